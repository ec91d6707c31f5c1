/**
 * The files of a drop, folders included: a dropped folder is walked (webkitGetAsEntry), and each
 * file found carries its path from the dropped folder in `webkitRelativePath`, as a folder picker
 * sets it, so that an image folder keeps its class folders.
 */

/** What was dropped: the files, and the paths of the folders walked ('shapes/train/coat/'), empty ones included. */
export interface Dropped {
  files: File[];
  folders: string[];
}

/**
 * The dropped files and folders; entries are taken at once, since a DataTransfer empties after its event.
 * @example element.addEventListener('drop', (e) => void droppedFiles(e.dataTransfer!).then(open));
 */
export async function droppedFiles(transfer: DataTransfer): Promise<Dropped> {
  const entries = [...transfer.items].map((item) => (item.kind === 'file' ? item.webkitGetAsEntry?.() : null));
  if (!entries.some((entry) => entry?.isDirectory)) return { files: [...transfer.files], folders: [] };
  const dropped: Dropped = { files: [], folders: [] };
  await Promise.all(entries.map((entry) => entry && walk(entry, dropped)));
  return dropped;
}

/** Adds every file under `entry` to `into`, with its path ('shapes/train/cat/1.png'), and every folder. */
async function walk(entry: FileSystemEntry, into: Dropped): Promise<void> {
  const path = entry.fullPath.replace(/^\//, '');
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    // The path rides on the File itself: a folder picker's files have it the same way.
    Object.defineProperty(file, 'webkitRelativePath', { value: path });
    into.files.push(file);
    return;
  }
  into.folders.push(`${path}/`);
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const children: FileSystemEntry[] = [];
  // readEntries gives a batch (100 in Chromium) per call, and an empty one at the end.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    children.push(...batch);
  }
  await Promise.all(children.map((child) => walk(child, into)));
}
