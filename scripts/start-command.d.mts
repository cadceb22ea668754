/** package.json's script `name` ("node <flags> bin/satscope.js start"), with this Node and absolute paths. */
export function scriptArgv(root: string, name?: string, execPath?: string): string[];
