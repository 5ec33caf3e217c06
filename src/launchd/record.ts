/** install.json: what `install` did, so `uninstall` removes exactly that and `status`/`doctor` know the mode. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const InstallRecord = z.object({
  version: z.literal(1),
  installedAt: z.string(),
  privilege: z.enum(['user', 'root']),
  user: z.string(),
  group: z.string(),
  /** True when install created the user (and group) with dscl: uninstall deletes them then. */
  createdUser: z.boolean(),
  createdGroup: z.boolean(),
  node: z.string(),
  entry: z.string(),
  files: z.array(z.string()),
  dirs: z.array(z.string()),
});
export type InstallRecord = z.infer<typeof InstallRecord>;

export function readRecord(file: string): InstallRecord | undefined {
  try {
    const r = InstallRecord.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
