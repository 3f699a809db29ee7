// Gate policies, one per project, in the workspace (gate_policies); setting or clearing one is audited.
import { GatePolicy, LatheError } from '../../shared/contract';
import type { Database, Sql } from '../workspace/db';
import { nextAuditId } from '../workspace/audit-id';
import type { ProjectStore } from '../workspace/projects';

export interface GatePolicyStore {
  get(project: string): Promise<GatePolicy | null>;
  /**
   * Replaces (or with null, removes) a project's policy; audited with the actor and reason. NOT_FOUND
   * names a model the policy gives gates to that is not a model of the project (nothing changes).
   */
  set(
    project: string,
    policy: GatePolicy | null,
    actor: string,
    reason?: string,
  ): Promise<GatePolicy | null>;
}

export function createGatePolicyStore(db: Database, projects: ProjectStore): GatePolicyStore {
  return {
    async get(project) {
      const row = await db.one<{ policy: string }>(
        `SELECT gp.policy::VARCHAR AS policy FROM gate_policies gp JOIN projects p ON p.id = gp.project_id
         WHERE p.name = ?`,
        [project],
      );
      if (!row) return null;
      const parsed = GatePolicy.safeParse(JSON.parse(row.policy));
      if (!parsed.success) {
        throw new LatheError(
          'INVALID_CONFIG',
          `the stored gate policy of project '${project}' no longer parses: ${parsed.error.issues[0]?.message ?? ''}; set it again`,
        );
      }
      return parsed.data;
    },

    async set(project, policy, actor, reason) {
      // UTC from this clock, as every other stamp: DuckDB's now() in a TIMESTAMP column is the session
      // zone's wall clock.
      const at = new Date();
      await db.tx(async (sql) => {
        const projectId = await projects.ensure(sql, project);
        if (policy?.models) await checkModels(sql, project, projectId, Object.keys(policy.models));
        await sql.run('DELETE FROM gate_policies WHERE project_id = ?', [projectId]);
        if (policy)
          await sql.run('INSERT INTO gate_policies VALUES (?, ?, epoch_ms(?::BIGINT))', [
            projectId,
            JSON.stringify(policy),
            at.getTime(),
          ]);
        await sql.run(
          // Columns: id, at, actor, action, model_id, version, details, reason. The id sorts after
          // every entry committed before it, as the registry's do.
          'INSERT INTO audit_log VALUES (?, epoch_ms(?::BIGINT), ?, ?, NULL, NULL, ?::JSON, ?)',
          [
            await nextAuditId(sql, at),
            at.getTime(),
            actor,
            policy ? 'gate_policy_set' : 'gate_policy_cleared',
            JSON.stringify({ project, policy }),
            reason ?? null,
          ],
        );
      });
      return policy;
    },
  };
}

/**
 * Each model a policy gives its own gates must be a model of the project: gates of a name no model has
 * (a typo, a model of another project) would never be checked. Read in the transaction that writes.
 */
async function checkModels(
  sql: Sql,
  project: string,
  projectId: string,
  names: string[],
): Promise<void> {
  if (!names.length) return;
  const rows = await sql.all<{ name: string; project_id: string; project: string }>(
    `SELECT m.name, m.project_id, p.name AS project FROM models m JOIN projects p ON p.id = m.project_id
     WHERE m.name IN (${names.map(() => '?').join(', ')})`,
    names,
  );
  for (const name of names) {
    const row = rows.find((r) => r.name === name);
    if (row?.project_id === projectId) continue;
    throw new LatheError(
      'NOT_FOUND',
      row
        ? `models.${name}: model '${name}' is in project '${row.project}', not '${project}': give it gates in that project's policy`
        : `models.${name}: no model '${name}' in project '${project}' to give gates to`,
      { model: name, field: `models.${name}` },
    );
  }
}
