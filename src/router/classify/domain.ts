/**
 * `request.domain`: which expert a request wants (ME-Switch, arXiv 2406.09041, routes each query to the fine-tuned
 * expert of its domain). A client that knows says so in a header; otherwise a keyword classifier reads the ask.
 * It is cheap (a few regular expressions over the first characters) and knows three domains: code, math and
 * general. Its accuracy on the labelled sample in data/domain-sample/ is printed by `npm run bench -- domain` and
 * documented in docs/rules.md.
 */
import type { ClassifiedDomain } from '../../api/v1alpha1/rule-env.js';

/** Header (and gRPC metadata key) a client names the request's domain in; any domain a policy lists, e.g. `legal`. */
export const DOMAIN_HINT_HEADER = 'x-modeswitch-domain';

/** Domain names as policies write them (`spec.modes[].domains`): a DNS label. */
const DOMAIN_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** True for a well-formed domain hint; the front ends refuse others (400 / INVALID_ARGUMENT). */
export function isDomainName(value: string): boolean {
  return DOMAIN_NAME.test(value);
}

/** Only the head of a long ask is read: the domain shows early, and the cost must stay flat. */
const SCAN_CHARS = 500;

interface Cue {
  pattern: RegExp;
  /** Score of each distinct match (a topic word counts once however often it appears). */
  weight: number;
  /** At most this many distinct matches count; a pattern without the g flag counts once. */
  cap: number;
}

// Strong cues (a code fence, a definition, an equation) decide alone; topic words add up, so two of them decide
// and one tips a request that shows nothing else.
const CUES: Record<Exclude<ClassifiedDomain, 'general'>, readonly Cue[]> = {
  code: [
    { pattern: /```|^ {2,}\S[^\n]*[;{}] *$|=>|::|\b[a-z_]\w*\([^)\n]*\) *[{:;]|#include|<\/?[a-z]+>|\.[a-z_]\w*\(|[a-z0-9]_[a-z]/m, weight: 3, cap: 1 },
    { pattern: /\b(def|class|import|return|const|let|var|async|await|public (static|class|void)|void|struct|impl|fn|lambda|printf|println|console\.log|select \S+ from|null|true|false)\b/g, weight: 2, cap: 2 },
    // Names that mean software in any sentence, then ones that may not (a python, Java coffee, rust, Swift).
    {
      pattern: /\b(javascript|typescript|c\+\+|c#|golang|kotlin|scala|haskell|sql|mysql|postgres\w*|bash|powershell|html|css|react|vue|angular|node\.?js|django|flask|pandas|numpy|docker\w*|kubernetes|git|github|npm|pip|jest|pytest|regex|json|yaml|api|http|endpoint|jvm|pep 8)\b/g,
      weight: 2,
      cap: 2,
    },
    {
      pattern: /\b(python|java|c|go|rust|ruby|php|swift|shell|express|spring( boot)?|database|schema|compiler|excel|formula|closure|hook|module|commit|class|object|interface|type)\b/g,
      weight: 1,
      cap: 3,
    },
    {
      pattern: /\b(code|coding|program(ming|s)?|script|function|method|variable|array|string|pointer|bug|debug\w*|stack ?trace|traceback|exception|error|segfault|compile\w*|refactor|unit tests?|tests?|repository|repo|library|framework|algorithm|recursi\w+|data structure|linked list|hash ?map|binary (search|tree)|tree|graph|queue|stack|cache|sort\w*|big-?o|complexity|thread\w*|mutex|process(es)?|race condition|middleware|workflow|deploy\w*|query|server|client|implement\w*|migrat\w+)\b/g,
      weight: 1,
      cap: 3,
    },
  ],
  math: [
    { pattern: /\d\s*[-+*/^×÷]\s*\(?\d|[=<>≤≥]\s*-?\d|\b[a-z]\s*\^\s*\d|\d[a-z]\b|[∫∑∏√π∞≠±°]|\b(sin|cos|tan|log|ln|exp)\s*\(/, weight: 3, cap: 1 },
    {
      pattern: /\b(equations?|integral|integrate|derivative|differentiate|theorem|lemma|prove|proof|polynomial|quadratic|matri(x|ces)|eigen\w*|determinant|vectors?|probability|chance|expected value|variance|standard deviation|mean|median|primes?|factori[sz]e|gcd|lcm|greatest common|least common|modulo|remainder|logarithm|log base|limit|series|sequence|arithmetic|geometric|calculus|algebra|geometry|trigonometr\w*|combinatorics|permutations?|combinations?|hypotenuse|slope|radians?|perimeter|circumference|diameter|area|volume|diagonals?|polygon|pentagon|hexagon|octagon|cylinder|sphere|cone|vertices|edges|countable|inverse|interest|depreciat\w*|divisible|multiple)\b/g,
      weight: 1,
      cap: 3,
    },
    {
      pattern: /\b(solve|calculate|compute|evaluate|simplify|how many|sum|product|percent|fraction|ratio|average|triangle|circle|radius|angle|square root|integer|digits?|numbers?|odd|even|divide|multiply|dice|coin)\b/g,
      weight: 1,
      cap: 2,
    },
    // A question about given quantities: numbers with a question word.
    { pattern: /\b(what|how|find|if)\b[^.?]*\d/, weight: 1, cap: 1 },
  ],
};

/** Below this score nothing specific shows and the request is general. */
const MIN_SCORE = 2;

/** `text` is lower case: the cues are written in lower case and need no case folding. */
function score(text: string, cues: readonly Cue[]): number {
  let total = 0;
  for (const cue of cues) {
    if (!cue.pattern.global) {
      total += cue.pattern.test(text) ? cue.weight : 0;
      continue;
    }
    const distinct = new Set<string>();
    for (const m of text.matchAll(cue.pattern)) if (distinct.add(m[0]).size >= cue.cap) break;
    total += distinct.size * cue.weight;
  }
  return total;
}

/** The domain of an ask by its wording: code, math, or general when neither shows clearly. */
export function classifyDomain(ask: string): ClassifiedDomain {
  const head = (ask.length > SCAN_CHARS ? ask.slice(0, SCAN_CHARS) : ask).toLowerCase();
  const code = score(head, CUES.code);
  const math = score(head, CUES.math);
  if (Math.max(code, math) < MIN_SCORE) return 'general';
  // A program about numbers reads as code: its expert writes the program; ties go to code for the same reason.
  return code >= math ? 'code' : 'math';
}

/** `request.domain`: the client's hint when it gave one, else the classifier's reading of the ask. */
export function requestDomain(hint: string | undefined, ask: string): string {
  return hint ?? classifyDomain(ask);
}
