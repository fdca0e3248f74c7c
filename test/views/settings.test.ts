/**
 * The settings page's switches (pause while waiting, release on logout) with an error: the error
 * describes its switch and the switch is marked invalid, as every other field of the page; the
 * error summary at the top is the one alert (a field's own role="alert" beside it made a screen
 * reader read the message twice, and the switch itself did not point to its error).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SLA } from '../../src/core/sla.js';
import { SettingsPage } from '../../src/views/admin/settings.js';
import { renderPage } from '../../src/views/render.js';

const page = (errors: Record<string, string>) =>
  renderPage(
    SettingsPage({
      viewer: { username: 'root', displayName: 'Root', role: 'admin', presence: 'offline' },
      csrf: 'x',
      flash: null,
      values: { release_on_logout: 'maybe' },
      shown: {},
      errors,
      calendars: [],
      sla: DEFAULT_SLA,
    }),
  );

describe('the settings page’s switches with an error', () => {
  it('describe the switch by its error, mark it invalid, and leave the one alert to the summary', () => {
    const html = page({ release_on_logout: 'Release tickets when an agent leaves: on or off.' });
    const input = /<input[^>]*id="release_on_logout"[^>]*>/.exec(html)?.[0] ?? '';
    expect(input).toContain('aria-invalid="true"');
    expect(input).toContain('aria-describedby="release_on_logout-error"');
    expect(html).toMatch(/<small[^>]*id="release_on_logout-error"[^>]*>Release tickets when an agent leaves: on or off\.<\/small>/);
    expect(html.match(/role="alert"/g)).toHaveLength(1);
  });

  it('without an error, are described by their hint', () => {
    const input = /<input[^>]*id="release_on_logout"[^>]*>/.exec(page({}))?.[0] ?? '';
    expect(input).toContain('aria-describedby="release_on_logout-hint"');
    expect(input).not.toContain('aria-invalid');
  });
});
