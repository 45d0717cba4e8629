package io.corral.protocol;

/**
 * Everything that crosses the client/agent protocol. A message is either a {@link Request} or a {@link Response};
 * both are sealed families of records so that the codec, the server dispatch and the golden tests can enumerate
 * them exhaustively.
 */
public sealed interface Message permits Request, Response {}
