/** Equality-based label selectors (`a=b,c!=d,e,!f`), which is all the operator uses. Pure. */
export function matchesLabelSelector(
  labels: Record<string, string> | undefined,
  selector: string | undefined,
): boolean {
  if (!selector) return true;
  const have = labels ?? {};
  return selector
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .every((part) => {
      const notEqual = part.indexOf('!=');
      if (notEqual > 0) return have[part.slice(0, notEqual)] !== part.slice(notEqual + 2);
      const equal = part.indexOf('=');
      if (equal > 0) return have[part.slice(0, equal)] === part.slice(part[equal + 1] === '=' ? equal + 2 : equal + 1);
      if (part.startsWith('!')) return !(part.slice(1) in have);
      return part in have;
    });
}
