// Lathe's own ESLint rules (a local plugin, loaded by eslint.config.mjs).
//
// `lathe/sql-number`: a number written into SQL text must go through `sqlNumber()` / `sqlInteger()` from
// main/workspace/db.ts (or be bound as a parameter). A bare `${x}` turns 0.17055522598064407 into a DECIMAL
// literal, which no longer equals the DOUBLE it came from; NaN, the infinities and -0 do not survive at
// all. The rule uses type information: it flags number- and bigint-typed expressions, and String(n) /
// n.toString() / n.toFixed() of them, placed into a template literal (or a `+` concatenation) that is SQL.

/** Text that is SQL on its own: upper-case clauses, casts to a type, SQL functions (messages are not upper case). */
const SQL_STRONG =
  /\b(SELECT|WHERE|LIMIT|OFFSET|BETWEEN|CASE WHEN|FILTER \(|HAVING|GROUP BY|ORDER BY|PARTITION BY|INSERT INTO|DELETE FROM|VALUES|INTERVAL|OVER \()|::[A-Z]|\b(count|sum|avg|min|max|abs|floor|round|least|greatest|coalesce|quantile_cont|range|list_value|epoch_ms|to_timestamp|date_trunc|md5_number_lower)\(/;
/** Upper-case words that are SQL when two different ones appear together (a Dockerfile has FROM alone). */
const SQL_WEAK =
  /\b(FROM|JOIN|UNION|AND|OR|NOT|IN|AS|THEN|ELSE|END|IS NULL|USING|DOUBLE|BIGINT|HUGEINT|INTEGER|VARCHAR)\b/g;
const isSqlText = (text) => SQL_STRONG.test(text) || new Set(text.match(SQL_WEAK) ?? []).size >= 2;
/** Calls whose string argument is SQL. */
const SQL_METHODS = new Set([
  'run',
  'all',
  'one',
  'runAndReadAll',
  'runAndRead',
  'prepare',
  'stream',
]);
/** Helpers whose output is SQL text: a template that uses one of them is SQL. */
const SQL_HELPERS = new Set(['ident', 'literal', 'sqlNumber', 'sqlInteger']);
const NUMBER_TO_TEXT = new Set([
  'toString',
  'toFixed',
  'toPrecision',
  'toExponential',
  'toLocaleString',
]);

const calleeName = (callee) =>
  callee.type === 'Identifier'
    ? callee.name
    : callee.type === 'MemberExpression' && callee.property.type === 'Identifier'
      ? callee.property.name
      : null;

/** @type {import('eslint').Rule.RuleModule} */
const sqlNumber = {
  meta: {
    type: 'problem',
    docs: {
      description:
        'Numbers written into SQL text go through sqlNumber()/sqlInteger() (main/workspace/db.ts) or a bound parameter.',
    },
    schema: [],
    messages: {
      bare: 'A {{kind}} written into SQL text: wrap it in sqlNumber() (sqlInteger() for LIMIT, OFFSET, indexes and counts) from main/workspace/db.ts, or bind it as a parameter. A bare 17-digit number is read as a DECIMAL and stops matching the DOUBLE it came from.',
    },
  },
  create(context) {
    const services = context.sourceCode.parserServices;
    if (!services?.program || !services.esTreeNodeToTSNodeMap) return {};
    const checker = services.program.getTypeChecker();
    // Number-like flags of TypeScript's TypeFlags (stable across 5.x): Number, BigInt, their literals, enums.
    const NUMBERISH = 8 | 64 | 256 | 2048 | 32 | 1024;

    const isNumberish = (node) => {
      const type = checker.getTypeAtLocation(services.esTreeNodeToTSNodeMap.get(node));
      const parts = type.isUnion() ? type.types : [type];
      return parts.some((t) => (t.flags & NUMBERISH) !== 0);
    };
    const kindOf = (node) => {
      const type = checker.getTypeAtLocation(services.esTreeNodeToTSNodeMap.get(node));
      const parts = type.isUnion() ? type.types : [type];
      return parts.some((t) => (t.flags & (64 | 2048)) !== 0) ? 'bigint' : 'number';
    };

    /** The number hidden in `node` (itself, String(n), n.toString(), n.toFixed(2)), or null. */
    /** An array of numbers or bigints (`number[]`, `readonly bigint[]`, a tuple of them). */
    const isNumberArray = (node) => {
      const type = checker.getTypeAtLocation(services.esTreeNodeToTSNodeMap.get(node));
      if (!checker.isArrayType(type) && !checker.isTupleType(type)) return false;
      return checker
        .getTypeArguments(type)
        .some((t) => (t.isUnion() ? t.types : [t]).some((u) => (u.flags & NUMBERISH) !== 0));
    };
    /** `.map(String)` or `.map((x) => String(x))`: numbers turned into text one by one. */
    const isMapToString = (node) =>
      node.type === 'CallExpression' &&
      calleeName(node.callee) === 'map' &&
      node.callee.type === 'MemberExpression' &&
      ((node.arguments[0]?.type === 'Identifier' && node.arguments[0].name === 'String') ||
        (node.arguments[0]?.type === 'ArrowFunctionExpression' &&
          node.arguments[0].body.type === 'CallExpression' &&
          calleeName(node.arguments[0].body.callee) === 'String'));

    const numberIn = (node) => {
      if (node.type === 'CallExpression') {
        const name = calleeName(node.callee);
        if (name && SQL_HELPERS.has(name)) return null;
        // nums.join(', ') and nums.map(String).join(', '): every number goes in bare.
        if (name === 'join' && node.callee.type === 'MemberExpression') {
          const list = isMapToString(node.callee.object)
            ? node.callee.object.callee.object
            : node.callee.object;
          if (isNumberArray(list)) return list;
        }
        if (
          node.callee.type === 'Identifier' &&
          node.callee.name === 'String' &&
          node.arguments.length === 1 &&
          isNumberish(node.arguments[0])
        )
          return node.arguments[0];
        if (
          node.callee.type === 'MemberExpression' &&
          name &&
          NUMBER_TO_TEXT.has(name) &&
          isNumberish(node.callee.object)
        )
          return node.callee.object;
      }
      return isNumberish(node) ? node : null;
    };

    const isHelperCall = (e) =>
      e?.type === 'CallExpression' && SQL_HELPERS.has(calleeName(e.callee) ?? '');
    /** The initializer of the const/let an identifier names, if it is declared once in reach. */
    const initOf = (id) => {
      for (let scope = context.sourceCode.getScope(id); scope; scope = scope.upper) {
        const variable = scope.set.get(id.name);
        if (!variable) continue;
        const def = variable.defs.length === 1 ? variable.defs[0] : null;
        return def?.node.type === 'VariableDeclarator' ? def.node.init : null;
      }
      return null;
    };
    /** A piece that is SQL: ident(x), literal(s), or a name bound to one (`const c = ident(col)`) or to SQL text. */
    const isSqlPiece = (e) => {
      if (isHelperCall(e)) return true;
      if (e.type !== 'Identifier') return false;
      const init = initOf(e);
      if (isHelperCall(init)) return true;
      return (
        init?.type === 'TemplateLiteral' &&
        isSqlText(init.quasis.map((q) => q.value.cooked ?? q.value.raw).join(' '))
      );
    };
    const usesSqlHelper = (expressions) => expressions.some(isSqlPiece);
    const passedToSql = (node) => {
      const parent = node.parent;
      return (
        parent?.type === 'CallExpression' &&
        parent.arguments[0] === node &&
        SQL_METHODS.has(calleeName(parent.callee) ?? '')
      );
    };

    /** Inside sqlNumber/sqlInteger themselves: the one place a number becomes SQL text. */
    const inHelper = (node) =>
      context.sourceCode
        .getAncestors(node)
        .some((a) => a.type === 'FunctionDeclaration' && SQL_HELPERS.has(a.id?.name ?? ''));

    const report = (node) => {
      if (inHelper(node)) return;
      const found = numberIn(node);
      if (found) context.report({ node, messageId: 'bare', data: { kind: kindOf(found) } });
    };

    return {
      TemplateLiteral(node) {
        if (node.parent?.type === 'TaggedTemplateExpression' || node.expressions.length === 0)
          return;
        const text = node.quasis.map((q) => q.value.cooked ?? q.value.raw).join(' ');
        if (!(isSqlText(text) || usesSqlHelper(node.expressions) || passedToSql(node))) return;
        node.expressions.forEach((e, i) => {
          // A number glued to a name (`AS c${i}`, `__tok${i}`) is part of an identifier, not a value.
          if (/[A-Za-z_]$/.test(node.quasis[i].value.raw)) return;
          report(e);
        });
      },
      BinaryExpression(node) {
        if (node.operator !== '+') return;
        // Only the top of a concatenation chain: its string pieces decide whether it is SQL.
        if (node.parent?.type === 'BinaryExpression' && node.parent.operator === '+') return;
        const operands = [];
        const flatten = (n) => {
          if (n.type === 'BinaryExpression' && n.operator === '+') {
            flatten(n.left);
            flatten(n.right);
          } else operands.push(n);
        };
        flatten(node);
        const text = operands
          .filter((o) => o.type === 'Literal' && typeof o.value === 'string')
          .map((o) => o.value)
          .join(' ');
        if (text === '' || !(isSqlText(text) || passedToSql(node))) return;
        operands.forEach(report);
      },
    };
  },
};

export default { meta: { name: 'lathe' }, rules: { 'sql-number': sqlNumber } };
