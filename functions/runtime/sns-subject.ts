/**
 * SNS subjects: at most 100 characters of printable ASCII, no line breaks
 * (SNS rejects anything else); longer text is cut with an ellipsis.
 */
export function snsSubject(text: string): string {
  const clean = text
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const s = clean.length > 0 ? clean : 'recovery-stack notification';
  return s.length <= 100 ? s : `${s.slice(0, 97)}...`;
}
