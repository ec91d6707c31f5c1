/**
 * The files of a drop, folders included: a dropped folder is walked (webkitGetAsEntry), and each
 * file found carries its path from the dropped folder in `webkitRelativePath`, as a folder picker
 * sets it, so that an image folder keeps its class folders.
 */

/**
 * The dropped files; entries are taken at once, since a DataTransfer empties after its event.
 * @example element.addEventListener('drop', (e) => void droppedFiles(e.dataTransfer!).then(open));
 */
export function droppedFiles(transfer: DataTransfer): Promise<File[]> {
  const entries = [...transfer.items].map((item) => (item.kind === 'file' ? item.webkitGetAsEntry?.() : null));
  if (!entries.some((entry) => entry?.isDirectory)) return Promise.resolve([...transfer.files]);
  return Promise.all(entries.map((entry) => (entry ? walk(entry) : []))).then((lists) => lists.flat());
}

/** Every file under `entry`, with its path ('shapes/train/cat/1.png'). */
async function walk(entry: FileSystemEntry): Promise<File[]> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    // The path rides on the File itself: a folder picker's files have it the same way.
    Object.defineProperty(file, 'webkitRelativePath', { value: entry.fullPath.replace(/^\//, '') });
    return [file];
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const children: FileSystemEntry[] = [];
  // readEntries gives a batch (100 in Chromium) per call, and an empty one at the end.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    children.push(...batch);
  }
  return (await Promise.all(children.map(walk))).flat();
}
