/** `a, b,,c` → `['a', 'b', 'c']`: a list in one environment variable or query parameter. */
export function splitCommaList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
