package io.aria2sv.downloads.engine;

import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;

/** aria2 refused to add a download (and does not hold its GID from an earlier attempt either). */
final class AddRefused extends ServiceException {
  private static final long serialVersionUID = 1L;

  private final int aria2Code;

  AddRefused(int aria2Code, String aria2Message) {
    super(ErrorCode.BAD_REQUEST, "aria2 refused the download: " + aria2Message);
    this.aria2Code = aria2Code;
  }

  int aria2Code() {
    return aria2Code;
  }
}
