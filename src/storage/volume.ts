/**
 * The history volume as the stores see it: the OSS bucket mounted into the function on FC, a local folder
 * elsewhere. Paths are relative to its root, '/'-separated, built only from hashes and fixed names.
 *
 * On the OSS mount every operation is at least one request to OSS (milliseconds), and an exclusive create is a
 * lookup followed by an upload, not one atomic step: two instances creating the same name both succeed and the
 * later upload replaces the earlier. So correctness never rests on createExclusive; every record that must not
 * be lost gets a name no other writer can produce, and readers order records by what their names say.
 */
export interface Volume {
  /** A file's text; undefined when there is none. A symbolic link is never followed (it throws ELOOP). */
  read(path: string): Promise<string | undefined>;
  /** Writes a file, replacing it, creating missing parent folders; never writes through a symbolic link. */
  write(path: string, data: string, options?: { mode?: number }): Promise<void>;
  /**
   * Leaves a marker whose name is the whole record (a ticket, a mode, a quota entry): an empty folder, made in
   * one step where an empty file takes two (create, then close), creating missing parent folders. A name that
   * exists already counts as made. Listed and removed like any other name.
   */
  mark(path: string): Promise<void>;
  /** The names in a folder; [] when the folder is missing. */
  list(path: string): Promise<string[]>;
  /** Removes a file, or a folder with everything below it; nothing happens when it is missing. */
  remove(path: string): Promise<void>;
  /** Whether the name exists (a symbolic link counts, unfollowed). */
  exists(path: string): Promise<boolean>;
  /**
   * Creates a file unless the name exists: true when this call created it. Not atomic on the OSS mount (see
   * above): use it only where two writers both creating the name is harmless.
   */
  createExclusive(path: string, data: string): Promise<boolean>;
  /** A file's modification time (ms epoch); undefined when missing. */
  modifiedAt(path: string): Promise<number | undefined>;
}
