/**
 * `request.domain`: which expert a request wants (ME-Switch, arXiv 2406.09041, routes each query to the fine-tuned
 * expert of its domain). A client that knows says so in a header; otherwise a keyword classifier reads the ask.
 * It is cheap (word-list lookups and two patterns per domain over the first characters) and knows three domains: code, math and
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
const SCAN_CHARS = 300;

/** A word list: each distinct word (or two-word phrase) found scores `weight`, up to `cap` of them. */
interface WordCue {
  words: ReadonlySet<string>;
  /** Stems: a word starting with one counts (debug, debugging, debugger). */
  stems?: readonly string[];
  weight: number;
  cap: number;
}

/** A pattern over the text (structure words cannot show: a code fence, an equation); scores `weight` once. */
interface PatternCue {
  pattern: RegExp;
  /** A cheap test for a character every match contains; most prose fails it and skips the pattern. */
  needs: RegExp;
  weight: number;
}

interface DomainCues {
  patterns: readonly PatternCue[];
  words: readonly WordCue[];
}

const words = (list: string): ReadonlySet<string> => new Set(list.split(','));

// Strong cues (a code fence, a definition, an equation) decide alone; topic words add up, so two of them decide
// and one tips a request that shows nothing else. Words are matched whole, in lower case.
const CUES: Record<Exclude<ClassifiedDomain, 'general'>, DomainCues> = {
  code: {
    patterns: [
      {
        pattern:
          /```|^ {2,}\S[^\n]*[;{}] *$|=>|::|\b[a-z_]\w*\([^)\n]*\) *[{:;]|#include|<\/?[a-z]+>|\.[a-z_]\w*\(|[a-z0-9]_[a-z]/m,
        needs: /[`=:#<(_;{}]|\n {2}/,
        weight: 3,
      },
      { pattern: /\bselect \S+ from\b/, needs: /select/, weight: 2 },
    ],
    words: [
      {
        words: words(
          'def,class,import,return,const,let,var,async,await,public static,public class,public void,void,' +
            'struct,impl,fn,lambda,printf,println,console.log,null,true,false',
        ),
        weight: 2,
        cap: 2,
      },
      // Names that mean software in any sentence, then ones that may not (a python, Java coffee, rust, Swift).
      {
        words: words(
          'javascript,typescript,c++,c#,golang,kotlin,scala,haskell,sql,mysql,bash,powershell,html,css,' +
            'react,vue,angular,nodejs,node.js,django,flask,pandas,numpy,kubernetes,git,github,npm,pip,jest,' +
            'pytest,regex,json,yaml,api,http,endpoint,jvm,pep 8',
        ),
        stems: ['postgres', 'docker'],
        weight: 2,
        cap: 2,
      },
      {
        words: words(
          'python,java,c,go,rust,ruby,php,swift,shell,express,spring,spring boot,database,schema,compiler,' +
            'excel,formula,closure,hook,module,commit,class,object,interface,type',
        ),
        weight: 1,
        cap: 3,
      },
      {
        words: words(
          'code,coding,program,programs,programming,script,function,method,variable,array,string,pointer,' +
            'bug,stack trace,stacktrace,traceback,exception,error,segfault,refactor,unit test,unit tests,' +
            'test,tests,repository,repo,library,framework,algorithm,data structure,linked list,hash map,' +
            'hashmap,binary search,binary tree,tree,graph,queue,stack,cache,big o,complexity,mutex,process,' +
            'processes,race condition,middleware,workflow,query,server,client',
        ),
        stems: ['debug', 'compile', 'recursi', 'sort', 'thread', 'deploy', 'implement', 'migrat'],
        weight: 1,
        cap: 3,
      },
    ],
  },
  math: {
    patterns: [
      {
        pattern:
          /\d\s*[-+*/^×÷]\s*\(?\d|[=<>≤≥]\s*-?\d|\b[a-z]\s*\^\s*\d|\d[a-z]\b|[∫∑∏√π∞≠±°]|\b(sin|cos|tan|log|ln|exp)\s*\(/,
        needs: /[\d^∫∑∏√π∞≠±°(]/,
        weight: 3,
      },
      // A question about given quantities: numbers with a question word.
      { pattern: /\b(what|how|find|if)\b[^.?]*\d/, needs: /\d/, weight: 1 },
    ],
    words: [
      {
        words: words(
          'equation,equations,integral,integrate,derivative,differentiate,theorem,lemma,prove,proof,polynomial,' +
            'quadratic,matrix,matrices,determinant,vector,vectors,probability,chance,expected value,variance,' +
            'standard deviation,mean,median,prime,primes,factorise,factorize,gcd,lcm,greatest common,least ' +
            'common,modulo,remainder,logarithm,log base,limit,series,sequence,arithmetic,geometric,calculus,' +
            'algebra,geometry,combinatorics,permutation,permutations,combination,combinations,hypotenuse,' +
            'slope,radian,radians,perimeter,circumference,diameter,area,volume,diagonal,diagonals,polygon,' +
            'pentagon,hexagon,octagon,cylinder,sphere,cone,vertices,edges,countable,inverse,interest,divisible,' +
            'multiple',
        ),
        stems: ['eigen', 'trigonometr', 'depreciat'],
        weight: 1,
        cap: 3,
      },
      {
        words: words(
          'solve,calculate,compute,evaluate,simplify,how many,sum,product,percent,fraction,ratio,average,' +
            'triangle,circle,radius,angle,square root,integer,digit,digits,number,numbers,odd,even,divide,' +
            'multiply,dice,coin',
        ),
        weight: 1,
        cap: 2,
      },
    ],
  },
};

/** Below this score nothing specific shows and the request is general. */
const MIN_SCORE = 2;

/** Lower-case words and the two-word phrases they form, each once. */
function terms(text: string): string[] {
  const found = text.match(/[a-z0-9][a-z0-9+#.]*/g) ?? [];
  const out: string[] = [];
  let previous = '';
  for (const raw of found) {
    const word = raw.endsWith('.') ? raw.replace(/\.+$/, '') : raw;
    out.push(word);
    if (previous) out.push(`${previous} ${word}`);
    previous = word;
  }
  return out;
}

function score(text: string, found: readonly string[], cues: DomainCues): number {
  let total = 0;
  for (const cue of cues.patterns) if (cue.needs.test(text) && cue.pattern.test(text)) total += cue.weight;
  for (const cue of cues.words) {
    const hits = new Set<string>();
    for (const term of found) {
      if (
        cue.words.has(term) ||
        (cue.stems !== undefined && !term.includes(' ') && cue.stems.some((s) => term.startsWith(s)))
      )
        hits.add(term);
      if (hits.size >= cue.cap) break;
    }
    total += hits.size * cue.weight;
  }
  return total;
}

/** The domain of an ask by its wording: code, math, or general when neither shows clearly. */
export function classifyDomain(ask: string): ClassifiedDomain {
  const head = (ask.length > SCAN_CHARS ? ask.slice(0, SCAN_CHARS) : ask).toLowerCase();
  const found = terms(head);
  const code = score(head, found, CUES.code);
  const math = score(head, found, CUES.math);
  if (Math.max(code, math) < MIN_SCORE) return 'general';
  // A program about numbers reads as code: its expert writes the program; ties go to code for the same reason.
  return code >= math ? 'code' : 'math';
}

/** `request.domain`: the client's hint when it gave one, else the classifier's reading of the ask. */
export function requestDomain(hint: string | undefined, ask: string): string {
  return hint ?? classifyDomain(ask);
}
