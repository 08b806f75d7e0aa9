export const verdict = (met: boolean) => (met ? 'MET' : 'MISSED');

export const fixed = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
