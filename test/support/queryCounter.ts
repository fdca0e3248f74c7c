/**
 * Counts the statements that reach the database through a handle, honestly: every query goes
 * through Kysely's plugins. `db.withPlugin(counter)` gives the counted handle; `which`, when given,
 * counts only the statements it accepts.
 */
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

export class QueryCounter implements KyselyPlugin {
  count = 0;

  constructor(private readonly which: (node: RootOperationNode) => boolean = () => true) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.which(args.node)) this.count++;
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}
