/**
 * Saves bytes or text as a file through a Blob link: the browser's downloads, or Electron's save
 * dialog. The URL is revoked after the click has started the download, not before.
 */
export function saveFile(name: string, body: BlobPart, type = 'application/octet-stream'): void {
  const url = URL.createObjectURL(new Blob([body], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
