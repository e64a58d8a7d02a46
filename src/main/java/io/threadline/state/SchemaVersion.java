package io.threadline.state;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The version of a state record's schema, stored with every checkpoint so that a later version of
 * the code can tell which shape it is reading. Bump it when a stored field changes meaning or type.
 * Without the annotation a state type is version 1.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface SchemaVersion {
    int value();
}
