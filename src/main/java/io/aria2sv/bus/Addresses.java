package io.aria2sv.bus;

/**
 * Every event-bus address of aria2-supervisor, with its kind and its JSON. Bodies are {@code
 * JsonObject}s. Failures are {@code message.fail(code, text)} with codes of {@link ErrorCode}.
 *
 * <p>Request/reply addresses are {@code aria2.supervisor.<verb>} and {@code
 * aria2.downloads.<verb>}; published events are {@code aria2.events.<area>}. Every event carries
 * {@code type} and {@code ts} (epoch milliseconds).
 */
public final class Addresses {
  private Addresses() {}

  /**
   * Request/reply. Request {@code {}}. Reply, the status: {@code {state, pid, rpcPort, startedAt,
   * uptimeMs, restarts, restartsInWindow, lastRestart:{at,reason}|null, rpcHealthy, version,
   * sessionId, dataDir}}. {@code state} is one of STOPPED, STARTING, RUNNING, RESTARTING, STOPPING,
   * FAILED. Never fails; never starts aria2c.
   */
  public static final String SUPERVISOR_STATUS = "aria2.supervisor.status";

  /**
   * Request/reply. Request {@code {}}. Reply {@code {status:{…as SUPERVISOR_STATUS…},
   * aria2:{version, enabledFeatures:[…]}, globalStat:{downloadSpeed, uploadSpeed, numActive,
   * numWaiting, numStopped, numStoppedTotal}|null, activeDownloads}}. Fails NOT_RUNNING when aria2c
   * is not running, TIMEOUT when it does not answer within {@code supervisor.healthTimeout}.
   */
  public static final String SUPERVISOR_DETAILS = "aria2.supervisor.details";

  /**
   * Request/reply. Request {@code {}}. Starts aria2c if it is not running (also leaves FAILED);
   * concurrent requests share one start. Reply: the status once RUNNING. Fails START_FAILED.
   */
  public static final String SUPERVISOR_START = "aria2.supervisor.start";

  /**
   * Request/reply. Request {@code {}}. Stops aria2c gracefully (save session, SIGINT, then SIGTERM,
   * then SIGKILL); concurrent requests share one stop. Reply: the status once STOPPED.
   */
  public static final String SUPERVISOR_STOP = "aria2.supervisor.stop";

  /**
   * Request/reply. Request {@code {}}. A graceful stop, then a start; not counted against the
   * restart budget. Concurrent requests share one restart. Reply: the status once RUNNING.
   */
  public static final String SUPERVISOR_RESTART = "aria2.supervisor.restart";

  /**
   * Request/reply, <b>local consumer only</b> (the secret never leaves the JVM). Request {@code
   * {}}. Reply {@code {host, port, secret, sessionId}}. Fails NOT_RUNNING or SUPERVISOR_FAILED.
   */
  public static final String SUPERVISOR_ENDPOINT = "aria2.supervisor.endpoint";

  /**
   * Request/reply. Request {@code {}}. Reply {@code {options:{name: value}, overrides:{…},
   * configured:{…}}}: the allowlisted aria2 global options in force (from the running aria2c, else
   * what the next one gets), the values set at run time (kept in {@code options.json}), and those
   * of {@code aria2.options}.
   */
  public static final String SUPERVISOR_OPTIONS = "aria2.supervisor.options";

  /**
   * Request/reply. Request {@code {options:{name: value|null}}}: allowlisted aria2 global options
   * to set at run time (null goes back to the configured value or aria2's default); each value is
   * checked by aria2c first, stored in {@code options.json}, and applied to the running aria2c
   * without a restart. Reply as {@link #SUPERVISOR_OPTIONS}. Fails BAD_REQUEST naming the option.
   */
  public static final String SUPERVISOR_SET_OPTIONS = "aria2.supervisor.set-options";

  /**
   * Published, local only. {@code {layer}}: a layer of {@link OptionLayers} changed; the supervisor
   * sends the difference to the running aria2c and gives the new values to every later one.
   */
  public static final String SUPERVISOR_OPTION_LAYERS = "aria2.supervisor.option-layers";

  /**
   * Request/reply. Request {@code {}}. Reply {@code {lists:[{url, ok, trackers, fetchedAt, error}],
   * trackers:[…], count, interval, nextFetch}}: the tracker lists of {@code
   * bittorrent.trackerLists} and the merged {@code bt-tracker} new torrents and magnets get.
   */
  public static final String TRACKERS_STATUS = "aria2.trackers.status";

  /**
   * Request/reply. Request {@code {}}: fetch every tracker list now. Reply as {@link
   * #TRACKERS_STATUS}.
   */
  public static final String TRACKERS_REFRESH = "aria2.trackers.refresh";

  /**
   * Request/reply. Request {@code {}}. Reply {@code {timeZone, rules:[…], inForce:[names],
   * options:{…}, paused, source, now}}: the schedule and what it holds at this moment.
   */
  public static final String SCHEDULES_GET = "aria2.schedules.get";

  /**
   * Request/reply. Request {@code {rules:[…], timeZone?}}: replaces the schedule (kept in {@code
   * schedules.json} in the data directory); a rule now in force applies at once. Reply as {@link
   * #SCHEDULES_GET}. Fails BAD_REQUEST naming the field.
   */
  public static final String SCHEDULES_PUT = "aria2.schedules.put";

  /**
   * Request/reply. Request {@code {}}: forgets the rules set through the API; those of the
   * configuration hold again. Reply as {@link #SCHEDULES_GET}.
   */
  public static final String SCHEDULES_DELETE = "aria2.schedules.delete";

  /**
   * Published. Supervisor events, by {@code type}:
   *
   * <ul>
   *   <li>{@code state-changed} {@code {from, to}}
   *   <li>{@code started} {@code {pid, rpcPort, version, sessionId, startupMs}}
   *   <li>{@code exited} {@code {pid, exitCode, expected}}: the aria2c process ended
   *   <li>{@code restarted} {@code {count, reason, pid}}
   *   <li>{@code health-check-failed} {@code {reason, consecutive, threshold}}
   *   <li>{@code max-restarts-reached} {@code {maxRestarts, window, lastReason}}
   *   <li>{@code stopped} {@code {pid, exitCode, graceful}}
   * </ul>
   */
  public static final String EVENTS_SUPERVISOR = "aria2.events.supervisor";

  /**
   * Published with <b>local-only</b> delivery each time a new aria2c becomes ready: {@code {host,
   * port, secret, sessionId}}.
   */
  public static final String EVENTS_SUPERVISOR_ENDPOINT = "aria2.events.supervisor.endpoint";

  // ---- downloads ---------------------------------------------------------------------------
  // A download is {id, gid, batchId, uris, dir, out, status, completedLength, totalLength,
  // downloadSpeed, percent, etaSeconds, torrent:{infoHash, uploadLength, uploadSpeed, ratio,
  // numSeeders, connections}|null, name (a torrent's name once its .torrent is known)|null,
  // errorCode, errorMessage, options:{…}, errors:[{at, gid,
  // errorCode, errorMessage}], retry:{count, max, canRetry, gids}, node, createdAt, updatedAt};
  // node is the owner's cluster.nodeName. In a cluster (cluster.enabled) these addresses are
  // local-only routers that carry each request to its owner, whose downloads service answers at
  // aria2sv.node.<nodeName>.<address> (see io.aria2sv.bus.ClusterMaps).
  // errors are the failed attempts that led to re-adds, oldest first (the newest 20); status is
  // one of waiting, active, seeding (a torrent's data is complete and it still uploads), paused,
  // retrying, complete, failed, removed. Requests fail BAD_REQUEST (message names the field),
  // NOT_FOUND (unknown id),
  // CONFLICT (not possible in the current status), NOT_RUNNING / SUPERVISOR_FAILED (aria2c is
  // down), TIMEOUT, ARIA2_ERROR.

  /**
   * Request/reply. Request {@code {uris:[…], torrent?, dir?, out?, options?, requestId?}}: http,
   * https, ftp or sftp URIs, or one magnet link (status {@code metadata} while its metadata is
   * fetched); or {@code torrent}, a {@code .torrent} file in base64 (then {@code uris} are optional
   * web seeds, http or https, and {@code out} is not taken), kept in the data directory; {@code
   * dir} relative to the download root; {@code out} a file name; {@code options} from the
   * per-download allowlist. A torrent whose info hash is already a download that has not ended
   * fails CONFLICT naming it. A repeated {@code requestId} returns the first download instead of
   * adding another. Reply: the download, stored durably before the reply.
   */
  public static final String DOWNLOADS_ADD = "aria2.downloads.add";

  /**
   * Request/reply. Request {@code {id}}, or {@code {gid}}: any GID the download had (as aria2
   * clients know it). Reply: the download. Like the other requests about one download, every one
   * that takes {@code id} takes {@code gid} instead.
   */
  public static final String DOWNLOADS_GET = "aria2.downloads.get";

  /**
   * Request/reply. Request {@code {id}}. Forgets one ended download now (files stay). Reply {@code
   * {id, forgotten:true}}. Fails CONFLICT while it has not ended.
   */
  public static final String DOWNLOADS_FORGET = "aria2.downloads.forget";

  /**
   * Request/reply. Request {@code {status?, batchId?, order?, offset?, limit?}}: {@code order}
   * {@code oldest} (the default) or {@code newest}; {@code offset} downloads skipped (default 0);
   * {@code limit} 1 to 1,000 (the default). Reply {@code {downloads:[…], total, offset, limit}}:
   * one page of the downloads that match, and how many match in all.
   */
  public static final String DOWNLOADS_LIST = "aria2.downloads.list";

  /**
   * Request/reply. Request {@code {id}}. Pauses a waiting, active or retrying download. Reply: the
   * download. Like resume, retry and remove, it waits until aria2 has answered a re-add of the
   * download already on its way, and then applies to it.
   */
  public static final String DOWNLOADS_PAUSE = "aria2.downloads.pause";

  /**
   * Request/reply. Request {@code {id}}. Resumes a paused download. Reply: the download, {@code
   * waiting} or already {@code active}.
   */
  public static final String DOWNLOADS_RESUME = "aria2.downloads.resume";

  /**
   * Request/reply. Request {@code {id}}. Re-adds a failed download now (resuming its partial file),
   * whatever its automatic retry count. Reply: the download.
   */
  public static final String DOWNLOADS_RETRY = "aria2.downloads.retry";

  /**
   * Request/reply. Request {@code {id, deleteFiles?}}. Removes the download from aria2; with {@code
   * deleteFiles} also its file and control file, only inside the download root. Reply: the download
   * with status removed.
   */
  public static final String DOWNLOADS_REMOVE = "aria2.downloads.remove";

  /**
   * Request/reply. Request {@code {id, options:{name: value}}}: per-download options from the
   * allowlist (not {@code pause} or {@code piece-length}, which only an add takes). A download
   * aria2 runs gets them at once through aria2's {@code changeOption}: the speed limits apply as
   * they are; for any other option aria2 restarts an active download itself (same GID, progress
   * kept). A retrying or failed download gets them at its next add. aria2 takes all or none. Reply:
   * the download, its {@code options} showing what is in force; a {@code changed} event follows.
   * Fails BAD_REQUEST naming the option, CONFLICT for an ended download.
   */
  public static final String DOWNLOADS_CHANGE = "aria2.downloads.change";

  /**
   * Request/reply. Request {@code {id, pos, how?}} as aria2's {@code changePosition}: {@code how}
   * POS_SET (the default; {@code pos} from 0), POS_CUR or POS_END (relative, may be negative).
   * Moves a waiting or paused download in the queue (the whole queue, not only what aria2c holds).
   * Reply {@code {id, position}}. Fails CONFLICT for a download that has no place in the queue
   * (active, retrying, ended).
   */
  public static final String DOWNLOADS_POSITION = "aria2.downloads.position";

  /**
   * Request/reply, on each node. Request {@code {offset?, num?}}. Reply {@code {total,
   * downloads:[…]}}: the queue (waiting and paused downloads, whether aria2c holds them or not) in
   * order, {@code num} (default 1000) from {@code offset} (default 0; negative counts from the end,
   * -1 the last, and goes towards the front, as aria2's {@code tellWaiting} does).
   */
  public static final String DOWNLOADS_QUEUE = "aria2.downloads.queue";

  /**
   * Request/reply, on each node. Request {@code {offset?, num?}}. Reply {@code {total,
   * downloads:[…]}}: the ended downloads (complete, failed, removed) in the order they ended, paged
   * as {@link #DOWNLOADS_QUEUE} (aria2's {@code tellStopped}).
   */
  public static final String DOWNLOADS_STOPPED = "aria2.downloads.stopped";

  /**
   * Request/reply. Request {@code {id}}. Reply {@code {id, source, files:[{index, path,
   * relativePath, length, completedLength, selected, uris:[{uri, status}]}]}}: from aria2 while it
   * holds the download ({@code source:"aria2"}), else what the registry knows ({@code "registry"}).
   */
  public static final String DOWNLOADS_FILES = "aria2.downloads.files";

  /**
   * Request/reply. Request {@code {id}}. Ends the seeding of a torrent (status {@code seeding}):
   * aria2 stops it, the download ends {@code complete} with its files kept. Reply: the download.
   * Fails CONFLICT when it is not seeding.
   */
  public static final String DOWNLOADS_STOP_SEEDING = "aria2.downloads.stop-seeding";

  /**
   * Request/reply. Request {@code {id}}. Reply {@code {id, peers:[{ip, port, seeder, downloadSpeed,
   * uploadSpeed}]}}: the peers aria2 is connected to for a torrent (none for other downloads and
   * while aria2 does not run it).
   */
  public static final String DOWNLOADS_PEERS = "aria2.downloads.peers";

  /**
   * Request/reply. Request {@code {}}. Pauses every waiting, active, seeding and retrying download,
   * each as {@link #DOWNLOADS_PAUSE} would. Reply {@code {done, unchanged, skipped, failed:[{id,
   * message}]}}: unchanged were paused already, skipped had ended meanwhile.
   */
  public static final String DOWNLOADS_PAUSE_ALL = "aria2.downloads.pause-all";

  /**
   * Request/reply. Request {@code {action: pause|resume|retry|remove, ids?:[…], status?, batchId?,
   * name?, deleteFiles?}}: the action on the downloads {@code ids} names, or else on those the
   * filter matches (at least one of them), each as its own command would. Reply {@code {action,
   * matched, done, unchanged, skipped, failed, downloads:[{id, outcome, status, message?}]}};
   * outcome is done, unchanged (already so), skipped (cannot be so: it ended), failed, or not-found
   * for an id no download has (counted as failed). BAD_REQUEST for no selection or an unknown
   * action.
   */
  public static final String DOWNLOADS_BULK = "aria2.downloads.bulk";

  /**
   * Request/reply. Request {@code {id}}: runs a download's failed completion step (its move) again.
   * Reply: the download. Fails CONFLICT unless its step failed.
   */
  public static final String DOWNLOADS_COMPLETION_RETRY = "aria2.downloads.completion-retry";

  /**
   * Request/reply. Request {@code {}}. Reply {@code {categories:{name:{name, dir, options,
   * moveTo}}, source}}: the categories an add may name.
   */
  public static final String CATEGORIES_GET = "aria2.categories.get";

  /**
   * Request/reply. Request {@code {downloadId?, limit?}}. Reply {@code {deliveries:[{id, endpoint,
   * downloadId, type, createdAt, attempts, state, nextAt, lastStatus, lastError, tries:[{at,
   * status, error, ms}]}]}}: the webhook messages, newest first, with every attempt.
   */
  public static final String WEBHOOKS_DELIVERIES = "aria2.webhooks.deliveries";

  /**
   * Request/reply. Request {@code {id}}: delivers webhook message {@code id} again now, with the
   * same id. Reply {@code {id, redelivered: true}}. Fails NOT_FOUND.
   */
  public static final String WEBHOOKS_REDELIVER = "aria2.webhooks.redeliver";

  /**
   * Request/reply. Request {@code {name, category:{dir?, options?, moveTo?}}}: adds or replaces a
   * category (kept in {@code categories.json}). Reply as {@link #CATEGORIES_GET}. Fails BAD_REQUEST
   * naming the field.
   */
  public static final String CATEGORIES_PUT = "aria2.categories.put";

  /**
   * Request/reply. Request {@code {name}}: removes a category (downloads added with it keep what it
   * gave them). Reply as {@link #CATEGORIES_GET}. Fails NOT_FOUND.
   */
  public static final String CATEGORIES_DELETE = "aria2.categories.delete";

  /**
   * Request/reply. Request {@code {}}. Resumes every paused download. Reply as {@link
   * #DOWNLOADS_PAUSE_ALL}.
   */
  public static final String DOWNLOADS_RESUME_ALL = "aria2.downloads.resume-all";

  /**
   * Request/reply. Request {@code {}}. Forgets every ended download (complete, failed, removed)
   * now, as {@code downloads.keepEnded} would later; a batch goes once all of it has ended. Files
   * stay. Reply {@code {forgotten}}.
   */
  public static final String DOWNLOADS_PURGE = "aria2.downloads.purge";

  /**
   * Request/reply. Request {@code {items:[{uris, dir?, out?, options?}…], dir?}} (at most 10,000
   * items; every item is validated before any is added), or {@code {metalink, dir?}}: a metalink in
   * base64, one download per file with its URLs as mirrors and its hash as {@code checksum}. Reply
   * {@code {id, downloads:[ids]}}.
   */
  public static final String BATCHES_ADD = "aria2.downloads.batch-add";

  /**
   * Request/reply. Request {@code {id}}. Reply {@code {id, total, waiting, active, paused,
   * retrying, complete, failed, removed, percent, completedLength, totalLength, downloadSpeed,
   * done}}.
   */
  public static final String BATCHES_GET = "aria2.downloads.batch-get";

  /**
   * Published on every status transition, exactly once each: {@code {type, ts, download}} with
   * {@code type} one of added, waiting, metadata, active, seeding, paused, retrying, complete,
   * failed, removed; and {@code changed} when a download's options changed.
   */
  public static final String EVENTS_DOWNLOAD = "aria2.events.download";

  /**
   * Published each {@code downloads.progressInterval} while something changed: {@code
   * {type:"progress", ts, downloads:[{id, batchId, completedLength, totalLength, downloadSpeed,
   * percent, etaSeconds, torrent:{infoHash, uploadLength, uploadSpeed, ratio, numSeeders,
   * connections}|null}…], global:{downloadSpeed, uploadSpeed, numActive, numWaiting, numStopped}}}.
   */
  public static final String EVENTS_PROGRESS = "aria2.events.progress";

  /**
   * Published when a batch progresses or is done: {@code {type:"progress"|"done", ts, batch:{…}}}.
   */
  public static final String EVENTS_BATCH = "aria2.events.batch";

  /**
   * Published when what the supervisor stores stops or starts working: {@code {type, ts, what, ok,
   * problem, dataDir}} with {@code what} {@code registry} (SQLite: type registry-unwritable or
   * registry-writable) or {@code session} (aria2's session file: session-at-risk or session-safe),
   * and {@code problem} saying why (null when ok). Once per change of condition.
   */
  public static final String EVENTS_STORAGE = "aria2.events.storage";

  /**
   * Request/reply, local. Request {@code {}}. Reply {@code {registry:"open"|"unwritable", writable,
   * problem, dataDir, downloads}}: {@code problem} says why the registry cannot write (null while
   * it can).
   */
  public static final String DOWNLOADS_HEALTH = "aria2.downloads.health";

  // ---- internal to the HTTP side -------------------------------------------------------------

  /**
   * Published locally by the event journal: {@code {id, event, data}}, one per event of the four
   * {@code aria2.events.*} areas, ids from one increasing sequence.
   */
  public static final String SSE_FRAMES = "aria2.http.frames";

  /**
   * Request/reply, local. Request {@code {after}}. Reply {@code {frames:[…], gap}} from the replay
   * buffer.
   */
  public static final String SSE_REPLAY = "aria2.http.replay";

  /**
   * Request/reply, local. Reply {@code {enabled, node, live:[names], lost:[names]}}: this node and
   * the live nodes of its cluster (a single supervisor: enabled false, itself alone).
   */
  public static final String CLUSTER_STATUS = "aria2.cluster.status";

  /**
   * Published locally when the watched configuration file changed and validated: the new effective
   * configuration. Each verticle applies what it can without a restart.
   */
  public static final String CONFIG_CHANGED = "aria2.config.changed";
}
