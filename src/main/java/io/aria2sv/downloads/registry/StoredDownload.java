package io.aria2sv.downloads.registry;

/**
 * One download as a row of the registry: plain values, taken on the event loop, so the worker that
 * writes it never reads state the event loop is changing. {@code request} and {@code gids} are JSON
 * text; {@code status} is the status's enum name; {@code completion}, JSON text, is the state of
 * what runs after the download ended (null when nothing does); {@code position} is its place in the
 * queue (null in rows an earlier version wrote); {@code seq} its place in the order downloads were
 * added (zero until the registry gives a row of an earlier version one).
 */
public record StoredDownload(
    String id,
    String gid,
    String batchId,
    String request,
    String status,
    long completedLength,
    long totalLength,
    Integer errorCode,
    String errorMessage,
    int retryCount,
    String gids,
    String path,
    long createdAt,
    long updatedAt,
    boolean filesDeleted,
    String completion,
    Long position,
    long seq) {}
