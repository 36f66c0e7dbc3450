package io.drover.http.management;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/** The checks of {@code POST /config?origin=NAME&base-dir=DIR}: what a client may say of its file. */
final class ConfigOrigin {
  static final int MAX_NAME = 1024;

  private ConfigOrigin() {}

  /** A name for messages: 1 to MAX_NAME characters, none of them a control character. */
  static boolean validName(String name) {
    return !name.isEmpty() && name.length() <= MAX_NAME && name.chars().noneMatch(Character::isISOControl);
  }

  /** DIR when it is an absolute path of an existing directory on this node; empty otherwise. */
  static Optional<Path> baseDir(String dir) {
    try {
      Path p = Path.of(dir);
      return p.isAbsolute() && Files.isDirectory(p) ? Optional.of(p.normalize()) : Optional.empty();
    } catch (InvalidPathException e) {
      return Optional.empty();
    }
  }
}
