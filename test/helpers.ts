/** Test helpers shared by the suites. */
import { sharedPath } from '../src/util/paths.js';

/**
 * `describe` for suites that need ../shared: where it is absent (a user's fresh clone), the suite
 * is skipped and says so.
 */
export function describeWithShared(title: string, parts: string[], body: (path: string) => void): void {
  const path = sharedPath(...parts);
  if (!path) {
    describe(`${title} [skipped: ../shared/${parts.join('/')} is absent]`, () => {
      it.skip(`needs ../shared/${parts.join('/')}`, () => {});
    });
    return;
  }
  describe(title, () => body(path));
}
