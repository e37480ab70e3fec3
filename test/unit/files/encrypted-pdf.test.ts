import { describe, expect, it } from 'vitest';
import { USER_PASSWORD } from '../../../scripts/test-files/pdf-files';
import { loadPdfjs } from '../../../src/files/extract/load-pdfjs';
import { fixture } from './fixture-files';

// The fixture is a real encrypted PDF, not one that only claims to be: pdf.js decrypts it with the password.
describe('encrypted.pdf', () => {
  it('opens with its user password and gives its text', async () => {
    const pdfjs = await loadPdfjs();
    const task = pdfjs.getDocument({ data: fixture('encrypted.pdf'), password: USER_PASSWORD, verbosity: 0 });
    try {
      const page = await (await task.promise).getPage(1);
      const content = await page.getTextContent();
      expect(content.items.map((item) => ('str' in item ? item.str : '')).join('')).toBe(
        'Confidential: the launch date is 1 May.',
      );
    } finally {
      await task.destroy();
    }
  });

  it('does not open with a wrong password', async () => {
    const pdfjs = await loadPdfjs();
    const task = pdfjs.getDocument({ data: fixture('encrypted.pdf'), password: 'wrong', verbosity: 0 });
    await expect(task.promise).rejects.toMatchObject({ name: 'PasswordException' });
    await task.destroy();
  });
});
