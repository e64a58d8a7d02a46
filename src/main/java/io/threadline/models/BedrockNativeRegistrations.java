package io.threadline.models;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What the Bedrock and signing clients, which have no Quarkus extension, need registered for a native image. The AWS
 * SDK's service client (bedrockruntime), its SigV4 signer (http-auth-aws, which opensearch-java's AwsSdk2Transport
 * calls) and the URL-connection HTTP client marshal through generated code, not reflection; sdk-core, aws-core and
 * url-connection-client carry their own native-image metadata, and Quarkus's amazon-common extension (there for
 * DynamoDB) initialises the credentials and region chains. What reflects is langchain4j-bedrock itself: it reads
 * InvokeModel's embedding answers with a plain Jackson ObjectMapper into these package-private classes (named, since
 * they cannot be referenced). {@code infra/native/check} fails when one is missing from the generated
 * reflect-config.json. Converse (chat) answers are the SDK's own model classes.
 */
@RegisterForReflection(classNames = {
        "dev.langchain4j.model.bedrock.BedrockTitanEmbeddingResponse",
        "dev.langchain4j.model.bedrock.BedrockCohereEmbeddingResponse",
        "dev.langchain4j.model.bedrock.BedrockCohereEmbeddingResponse$Embeddings"})
final class BedrockNativeRegistrations {

    private BedrockNativeRegistrations() {
    }
}
