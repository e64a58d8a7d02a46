package io.threadline.clients;

import java.util.function.BooleanSupplier;

/**
 * True while a class is not on the class path (the image's, when native-image evaluates it): the {@code onlyWith}
 * condition of a native-image substitution that keeps a library's optional code out of the build while that
 * library is left out, and gives the original code back when pom.xml adds it. Subclasses name the class and keep a
 * public no-argument constructor (native-image instantiates them).
 */
public abstract class ClassAbsent implements BooleanSupplier {

    private final String className;

    protected ClassAbsent(String className) {
        this.className = className;
    }

    @Override
    public boolean getAsBoolean() {
        try {
            Class.forName(className, false, ClassAbsent.class.getClassLoader());
            return false;
        } catch (ClassNotFoundException | LinkageError e) {
            return true;
        }
    }
}
