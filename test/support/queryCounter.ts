/**
 * Counts the statements that reach the database through a handle, honestly: every query goes
 * through Kysely's plugins. `db.withPlugin(counter)` gives the counted handle; `which`, when given,
 * counts only the statements it accepts. A statement counts once it has run: a subquery built on
 * the counted handle (a WITH's part, say) is shown to the plugin too, but never runs on its own.
 */
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryId, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

export class QueryCounter implements KyselyPlugin {
  count = 0;
  private readonly accepted = new WeakSet<QueryId>();

  constructor(private readonly which: (node: RootOperationNode) => boolean = () => true) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.which(args.node)) this.accepted.add(args.queryId);
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (this.accepted.has(args.queryId)) this.count++;
    return args.result;
  }
}
