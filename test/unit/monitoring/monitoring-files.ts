/**
 * Loads the chart's Grafana dashboards and alert rules and extracts their PromQL, for the unit
 * test (structure) and the integration test (evaluation against a real Prometheus).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';

/** The chart directory, relative to the repository root (tests run from there). */
export const CHART_DIR = 'charts/pulsar-websocket-operator';
/** Directory of the dashboards' JSON files. */
export const DASHBOARD_DIR = join(CHART_DIR, 'dashboards');
/** The Prometheus rules file (also the PrometheusRule's spec). */
export const RULES_FILE = join(CHART_DIR, 'alerts/pulsar-websocket-operator.rules.yaml');

/** The parts of a Grafana dashboard the tests read. */
export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

/** A Grafana panel (rows hold nested panels when collapsed). */
export interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { type?: string; uid?: string };
  gridPos: { x: number; y: number; w: number; h: number };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: { refId: string; expr: string; datasource?: { uid?: string } }[];
  panels?: Panel[];
}

/** A Grafana template variable. */
export interface Variable {
  name: string;
  type: string;
  query: string | { query: string };
  datasource?: { uid?: string };
}

/** One alerting rule. */
export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A PromQL expression and where it comes from (for failure messages). */
export interface Expression {
  where: string;
  expr: string;
}

/** Every dashboard, by file name. */
export function loadDashboards(): { file: string; dashboard: Dashboard }[] {
  return readdirSync(DASHBOARD_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      dashboard: JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8')) as Dashboard,
    }));
}

/** The rules file, parsed. */
export function loadRules(): { groups: { name: string; rules: AlertRule[] }[] } {
  return load(readFileSync(RULES_FILE, 'utf8')) as {
    groups: { name: string; rules: AlertRule[] }[];
  };
}

/** Every panel, rows' nested panels included. */
export function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/**
 * Every PromQL expression of a dashboard: panel targets, and the selector inside each
 * `label_values(<selector>, <label>)` variable query (Grafana's function, not PromQL).
 */
export function dashboardExpressions(file: string, d: Dashboard): Expression[] {
  const out: Expression[] = [];
  for (const p of allPanels(d)) {
    for (const t of p.targets ?? []) {
      out.push({ where: `${file} panel ${p.id} "${p.title}" ${t.refId}`, expr: t.expr });
    }
  }
  for (const v of d.templating.list) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : v.query.query;
    const m = /^label_values\((.+),\s*\w+\)$/.exec(q.trim());
    if (!m?.[1]) throw new Error(`${file} variable ${v.name}: unsupported query ${q}`);
    out.push({ where: `${file} variable ${v.name}`, expr: m[1] });
  }
  return out;
}

/** Every alert expression. */
export function ruleExpressions(): Expression[] {
  return loadRules().groups.flatMap((g) =>
    g.rules.map((r) => ({ where: `rule ${g.name}/${r.alert}`, expr: r.expr })),
  );
}

/** Grafana's built-in variables the dashboards use, and the value the tests give them. */
const BUILTINS: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '15s',
  __range: '1h',
};

/**
 * Turns a dashboard expression into plain PromQL as Grafana would send it with "All" selected:
 * user variables become `.*` (they are only used in `=~` matchers), built-ins get a duration.
 * `$1` and the like are label_replace replacements, not variables, and stay as they are.
 */
export function toPromQL(expr: string): string {
  return expr.replace(/\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)/g, (_m, a?: string, b?: string) => {
    const name = a ?? b ?? '';
    return BUILTINS[name] ?? '.*';
  });
}

/** Names of the `$variables` an expression references (built-ins excluded). */
export function referencedVariables(expr: string): string[] {
  const names = [...expr.matchAll(/\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)/g)].map(
    (m) => m[1] ?? m[2] ?? '',
  );
  return [...new Set(names.filter((n) => !(n in BUILTINS)))];
}

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects (as written, so histogram series keep their
 * `_bucket`/`_sum`/`_count` suffix). A small lexer rather than a parser: strings, label
 * matchers, ranges and grouping label lists are removed first; what is left that looks like an
 * identifier and is not a keyword or a function call is a metric name. Numbers and durations
 * (`5m`, `0.25`, `1e3`) are consumed as single tokens so their letters are never taken for names.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  const token = /\d+(?:\.\d+)?(?:e[+-]?\d+)?(?:ms|[smhdwy])?|[A-Za-z_:][\w:]*|[^\sA-Za-z_:\d]/g;
  for (const m of stripped.matchAll(token)) {
    const word = m[0];
    if (!/^[A-Za-z_:]/.test(word) || KEYWORDS.has(word.toLowerCase())) continue;
    const rest = stripped.slice(m.index + word.length);
    if (/^\s*\(/.test(rest)) continue; // a function call
    names.add(word);
  }
  return [...names].sort();
}
