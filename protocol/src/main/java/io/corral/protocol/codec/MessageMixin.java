package io.corral.protocol.codec;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.corral.protocol.Request;
import io.corral.protocol.Response;

/**
 * Gives {@link io.corral.protocol.Message} the same {@code "type"} property as its two families, so an
 * {@link io.corral.protocol.Envelope}'s {@code message} field is written and read with its type name. Jackson
 * collects the nested {@code @JsonSubTypes} of Request and Response transitively.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({@JsonSubTypes.Type(Request.class), @JsonSubTypes.Type(Response.class)})
abstract class MessageMixin {}
