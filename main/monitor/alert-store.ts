// The workspace's alert rules (alert_rules, one row) and its alert log (alerts), as the alert service
// reads and writes them.
import {
  AlertRules,
  LatheError,
  type Alert,
  type AlertDelivery,
  type AlertsListIn,
} from '../../shared/contract';
import type { z } from 'zod';
import { iso, isoOrNull } from '../workspace/projects';
import {
  plainNumber,
  sqlInteger,
  text,
  textOrNull,
  type Database,
  type Row,
} from '../workspace/db';

const RULES_ID = 'workspace';

export interface AlertStore {
  /** The workspace's rules (none, on the default schedule, before any were set). */
  rules(): Promise<{ rules: AlertRules; updatedAt: string | null }>;
  setRules(rules: AlertRules, at: Date): Promise<{ rules: AlertRules; updatedAt: string | null }>;
  /** When `rule` of `model` last fired and was delivered; null when never. */
  lastFired(rule: string, model: string): Promise<Date | null>;
  insert(alert: Alert): Promise<void>;
  /** Records what delivery did (webhook outcome, action) after the alert was logged. */
  update(id: string, deliveries: z.infer<typeof AlertDelivery>[], message: string): Promise<void>;
  list(input: z.output<typeof AlertsListIn>): Promise<Alert[]>;
  /** Whether the log holds any alert of `model`, acknowledged or not. */
  logs(model: string): Promise<boolean>;
  /** Acknowledges an alert by id (or a unique prefix of it, 8 characters or more). */
  ack(id: string, by: string, note: string | undefined, at: Date): Promise<Alert>;
}

function alertOf(r: Row): Alert {
  return {
    id: text(r.id),
    at: iso(r.at),
    rule: text(r.rule),
    model: text(r.model),
    version: plainNumber(r.version),
    signal: text(r.signal),
    severity: text(r.severity) as Alert['severity'],
    value: plainNumber(r.value),
    threshold: Number(r.threshold),
    message: text(r.message),
    deliveries: JSON.parse(text(r.deliveries)) as Alert['deliveries'],
    acknowledgedAt: isoOrNull(r.acknowledged_at),
    acknowledgedBy: textOrNull(r.acknowledged_by),
    note: textOrNull(r.note),
  };
}

const SELECT = `SELECT id, "at", rule, model, version, signal, severity, value, threshold, message,
  deliveries::VARCHAR AS deliveries, acknowledged_at, acknowledged_by, note FROM alerts`;

export function createAlertStore(db: Database): AlertStore {
  const byId = async (id: string) => {
    const rows = await db.all(`${SELECT} WHERE id = ? OR (length(?) >= 8 AND starts_with(id, ?))`, [
      id,
      id,
      id,
    ]);
    const exact = rows.find((r) => text(r.id) === id);
    if (exact) return alertOf(exact);
    if (rows.length > 1)
      throw new LatheError(
        'INVALID_INPUT',
        `alert id '${id}' is ambiguous (${rows.length} alerts)`,
      );
    if (!rows[0]) throw new LatheError('NOT_FOUND', `no alert '${id}'`, { id });
    return alertOf(rows[0]);
  };
  return {
    async rules() {
      const row = await db.one(
        'SELECT rules::VARCHAR AS rules, updated_at FROM alert_rules WHERE id = ?',
        [RULES_ID],
      );
      if (!row) return { rules: AlertRules.parse({}), updatedAt: null };
      return {
        rules: AlertRules.parse(JSON.parse(text(row.rules))),
        updatedAt: iso(row.updated_at),
      };
    },
    async setRules(rules, at) {
      await db.run(
        `INSERT OR REPLACE INTO alert_rules (id, rules, updated_at) VALUES (?, ?::JSON, CAST(? AS TIMESTAMP))`,
        [RULES_ID, JSON.stringify(rules), at.toISOString()],
      );
      return { rules, updatedAt: at.toISOString() };
    },
    async lastFired(rule, model) {
      const row = await db.one('SELECT max("at") AS at FROM alerts WHERE rule = ? AND model = ?', [
        rule,
        model,
      ]);
      return row?.at ? new Date(iso(row.at)) : null;
    },
    async insert(a) {
      await db.run(
        `INSERT INTO alerts (id, "at", rule, model, version, signal, severity, value, threshold, message,
           deliveries) VALUES (?, CAST(? AS TIMESTAMP), ?, ?, ?, ?, ?, ?, ?, ?, ?::JSON)`,
        [
          a.id,
          a.at,
          a.rule,
          a.model,
          a.version,
          a.signal,
          a.severity,
          a.value,
          a.threshold,
          a.message,
          JSON.stringify(a.deliveries),
        ],
      );
    },
    async update(id, deliveries, message) {
      await db.run('UPDATE alerts SET deliveries = ?::JSON, message = ? WHERE id = ?', [
        JSON.stringify(deliveries),
        message,
        id,
      ]);
    },
    async list({ model, open, limit }) {
      const where: string[] = [];
      const params: string[] = [];
      if (model !== undefined) {
        where.push('model = ?');
        params.push(model);
      }
      if (open) where.push('acknowledged_at IS NULL');
      const rows = await db.all(
        `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY "at" DESC, id DESC LIMIT ${sqlInteger(limit ?? 100)}`,
        params,
      );
      return rows.map(alertOf);
    },
    async logs(model) {
      return (
        (await db.one('SELECT 1 AS one FROM alerts WHERE model = ? LIMIT 1', [model])) !== undefined
      );
    },
    async ack(id, by, note, at) {
      const alert = await byId(id);
      if (alert.acknowledgedAt !== null)
        throw new LatheError(
          'INVALID_INPUT',
          `alert ${alert.id} was already acknowledged by ${alert.acknowledgedBy ?? 'someone'} at ${alert.acknowledgedAt}`,
          { id: alert.id },
        );
      await db.run(
        'UPDATE alerts SET acknowledged_at = CAST(? AS TIMESTAMP), acknowledged_by = ?, note = ? WHERE id = ?',
        [at.toISOString(), by, note ?? null, alert.id],
      );
      return byId(alert.id);
    },
  };
}
