import type { FastifyInstance } from 'fastify';
import { countByState } from '../../repositories/stats.js';
import type { ServiceContext } from '../../services/context.js';
import { AdminDashboardPage } from '../../views/adminapp.js';
import { renderPage } from '../../views/render.js';
import { takeFlash } from '../flash.js';
import { sendHtml } from '../forms.js';
import { requireRole } from '../session.js';

/** Admin pages (§1, §6). Every route in this plugin is admin-only. */
export function adminappRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.register(async (admin) => {
    admin.addHook('preHandler', requireRole('admin'));
    admin.get('/adminapp/dashboard/', async (request, reply) => {
      const counts = await countByState(ctx.handle.db);
      return sendHtml(reply, renderPage(AdminDashboardPage({ viewer: request.viewer!, csrf: reply.generateCsrf(), flash: takeFlash(request, reply), counts })));
    });
  });
}
