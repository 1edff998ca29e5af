/**
 * Why a message is not `processed`, as its row and the console show it: the interchanges refused whole
 * apart from those taken in with some transaction sets rejected, so that an interchange that was
 * acknowledged and routed in part is not counted as one that was not processed at all.
 */
export function outcomeSummary(total: number, rejected: number, partial: number): string {
  const parts: string[] = [];
  if (rejected > 0) parts.push(`${rejected} of ${total} interchange(s) rejected`);
  if (partial > 0) parts.push(`${partial} of ${total} interchange(s) with transaction sets rejected`);
  return parts.length > 0 ? parts.join(', ') : 'no interchange found';
}
