/**
 * Browser-test helpers: Debian's Chromium driven by playwright-core, screenshots a person can look
 * at after a run, and axe-core accessibility checks.
 *
 * A missing Chromium fails the tests (launchBrowser throws); it never skips them.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where screenshots go: test-results/<test>/<step>-<width>.png, kept after the run. */
export const RESULTS_DIR = resolve(process.cwd(), 'test-results');

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;
/** Widths between the two (a tablet, half a laptop's screen) where a wide table once hid its last column. */
export const BETWEEN_WIDTHS = [700, 768, 800, 1024] as const;

/**
 * Headless Chromium with a throw-away profile (launch() makes a fresh temporary user-data-dir and
 * removes it on close), and nothing that talks to the internet.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install chromium) or set CHROMIUM_PATH. Browser tests never skip.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** A file-system-safe name for a test or step. */
function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Writes one full-page screenshot of the page as it is now to test-results/<test>/<step>-<label>.png. */
export async function shoot(page: Page, test: string, step: string, label: string): Promise<string> {
  const dir = join(RESULTS_DIR, slug(test));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${slug(step)}-${label}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}

/**
 * Full-page screenshots of the page as it is now, at desktop and at phone width (the viewport is
 * put back afterwards). Returns the files written.
 */
export async function screenshot(page: Page, test: string, step: string): Promise<string[]> {
  const original = page.viewportSize();
  const files: string[] = [];
  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    await page.setViewportSize(size);
    await settle(page);
    files.push(await shoot(page, test, step, label));
  }
  if (original) await page.setViewportSize(original);
  return files;
}

/**
 * The tables of the page whose box scrolls sideways (`.table-scroll` narrower than its table):
 * their id, or their first column's heading. Ticket tables and record tables fit their box at any
 * width (cards on a phone); a table cut off hides its last columns, where the actions are. A box
 * that is a labelled, focusable scroll region (the dashboard's wide figure tables) scrolls on
 * purpose and is left out.
 */
export async function tablesCutOff(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.table-scroll')]
      .filter((box) => box.offsetParent !== null && !box.matches('[role=region][tabindex]') && box.scrollWidth > box.clientWidth + 1)
      .map((box) => {
        const table = box.querySelector('table');
        return `${table?.id || table?.querySelector('th')?.textContent?.trim() || 'a table'}: ${box.scrollWidth} > ${box.clientWidth} px`;
      }),
  );
}

/** How far the page is wider than the window, in px (0 or less: it does not scroll sideways). */
export async function overflowOf(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/**
 * The fields whose notes (hint, error: what aria-describedby names) overlap the field itself: the
 * agent's search once had its hint drawn over the bottom of the box (Pico's [role=search] styles).
 */
export async function notesOverFields(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    for (const field of document.querySelectorAll<HTMLElement>('input[aria-describedby], textarea[aria-describedby], select[aria-describedby]')) {
      const box = field.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      for (const id of field.getAttribute('aria-describedby')!.split(/\s+/)) {
        const note = document.getElementById(id);
        const r = note?.getBoundingClientRect();
        if (!r || r.width === 0 || r.height === 0 || note!.contains(field)) continue;
        const overlaps = r.left < box.right - 1 && r.right > box.left + 1 && r.top < box.bottom - 1 && r.bottom > box.top + 1;
        if (overlaps) problems.push(`${field.getAttribute('name') ?? field.id}: #${id} overlaps the field`);
      }
    }
    return problems;
  });
}

/**
 * Waits until layout that reacts to the viewport (Chart.js resizes its canvases on the next frames)
 * has caught up with a new size.
 */
export async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 50)))));
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA, plus best practices) on the page and returns the serious
 * and critical violations, each with the elements it found.
 *
 * axe's source is evaluated through the DevTools protocol (page.evaluate), which the page's
 * Content-Security-Policy does not govern; the page itself keeps its real CSP (no bypassCSP), so
 * the test also proves the pages work under it.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate('typeof window.axe === "object"');
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const results = (await page.evaluate(`axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    resultTypes: ['violations'],
  })`)) as { violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] };
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.map(String).join(' ')) }));
}

/** The page's address without the origin, for messages. */
export function pathOf(page: Page): string {
  const url = new URL(page.url());
  return url.pathname + url.search;
}

/**
 * The people of one browser test, each in their own context (own cookies), desktop size, English
 * and UTC (stable screenshots), with what goes wrong on their pages collected: script errors,
 * console errors and failed loads (not documents answered 4xx on purpose, such as a refused form).
 */
export class Cast {
  readonly contexts: BrowserContext[] = [];
  private readonly problems = new Map<Page, string[]>();

  constructor(
    private readonly browser: Browser,
    private readonly baseURL: string,
    /** The folder under test-results/ the screenshots go to. */
    private readonly test: string,
    /** How long a page may take to show a live change: an upper bound for a loaded machine. */
    private readonly timeoutMs = 15_000,
  ) {}

  async person(): Promise<Page> {
    const context = await this.browser.newContext({ viewport: DESKTOP, locale: 'en-GB', timezoneId: 'UTC', baseURL: this.baseURL });
    this.contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(this.timeoutMs);
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      // A document answered 4xx on purpose logs "Failed to load resource"; failed scripts, styles
      // and fetches are caught by the response handler instead.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
    });
    page.on('response', (response) => {
      if (response.status() >= 400 && response.request().resourceType() !== 'document') problems.push(`${response.status()} ${response.url()}`);
    });
    this.problems.set(page, problems);
    return page;
  }

  /** A new person who logs in as `username` (password `password123`) and lands on a page matching `landing`. */
  async loggedIn(username: string, landing: RegExp): Promise<Page> {
    const page = await this.person();
    await page.goto('/agents/login/');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill('password123');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(landing);
    return page;
  }

  /**
   * Looks at the page as a reviewer would, at desktop and at phone width: a screenshot, axe-core
   * (no serious or critical violation) and, at phone width, no sideways scrolling; and no script
   * error so far. Problems are collected (expect.soft) so one run shows all of them.
   */
  async look(page: Page, step: string): Promise<void> {
    for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      await page.setViewportSize(size);
      await settle(page);
      await shoot(page, this.test, step, label);
      expect.soft(await seriousViolations(page), `axe: serious/critical violations on ${pathOf(page)} (${step}, ${label})`).toEqual([]);
      expect.soft(await notesOverFields(page), `${pathOf(page)} (${step}, ${label}): hints or errors drawn over their field`).toEqual([]);
    }
    expect.soft(await overflowOf(page), `${pathOf(page)} (${step}) is wider than a phone`).toBeLessThanOrEqual(0);
    for (const width of BETWEEN_WIDTHS) {
      await page.setViewportSize({ width, height: DESKTOP.height });
      await settle(page);
      expect.soft(await tablesCutOff(page), `${pathOf(page)} (${step}) at ${width} px: tables wider than their box (a column out of sight)`).toEqual([]);
      expect.soft(await overflowOf(page), `${pathOf(page)} (${step}) is wider than the window at ${width} px`).toBeLessThanOrEqual(0);
    }
    await page.setViewportSize(DESKTOP);
    await settle(page);
    expect.soft(await overflowOf(page), `${pathOf(page)} (${step}) is wider than the window at ${DESKTOP.width} px`).toBeLessThanOrEqual(0);
    await page.setViewportSize(DESKTOP);
    expect.soft(this.problems.get(page) ?? [], `script errors on ${pathOf(page)}`).toEqual([]);
  }

  /** Runs the body; on failure every open page is photographed as it was (failed-<n>-*.png). */
  async photographedOnFailure(body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (error) {
      let n = 0;
      for (const context of this.contexts) {
        for (const page of context.pages()) {
          n++;
          await screenshot(page, this.test, `failed ${n} ${pathOf(page)}`).catch((shotError: unknown) => console.error('no failure screenshot', shotError));
        }
      }
      throw error;
    }
  }
}

/**
 * A table in a scroll region (views/components.tsx ScrollRegion) by its id, measured as the page
 * shows it now: whether it fits its box, what of its caption is out of sight, and the cue that it
 * goes on sideways (app.js markScrollFrame, app.css) as a person sees it.
 */
export function scrollRegion(page: Page, tableId: string) {
  return {
    fits: () =>
      page.evaluate((id) => {
        const box = document.getElementById(id)!.closest<HTMLElement>('.table-scroll')!;
        return box.scrollWidth <= box.clientWidth + 1;
      }, tableId),
    /** What of the caption is out of sight: its text wider than its line, or its box past the scroll box's visible edges. */
    captionCut: () =>
      page.evaluate((id) => {
        const table = document.getElementById(id)!;
        const box = table.closest<HTMLElement>('.table-scroll')!;
        const caption = table.querySelector('caption');
        if (!caption) return ['it has no caption'];
        const [c, b] = [caption.getBoundingClientRect(), box.getBoundingClientRect()];
        const problems: string[] = [];
        if (caption.scrollWidth > caption.clientWidth + 1) problems.push(`its text is wider than its box: ${caption.scrollWidth} > ${caption.clientWidth}`);
        if (c.left < b.left - 0.5 || c.right > b.right + 0.5) problems.push(`it runs past the visible box: ${Math.round(c.left)}–${Math.round(c.right)}, box ${Math.round(b.left)}–${Math.round(b.right)}`);
        return problems;
      }, tableId),
    /** The cue as a person sees it: the frame's sides, the hint's text when shown, each edge shadow's opacity. */
    cue: () =>
      page.evaluate((id) => {
        const frame = document.getElementById(id)!.closest<HTMLElement>('[data-scroll-frame]')!;
        const hint = frame.querySelector<HTMLElement>('.scroll-hint')!;
        const shadows = frame.querySelector('.scroll-shadows')!;
        return {
          more: frame.getAttribute('data-more'),
          hint: hint.hidden || hint.getClientRects().length === 0 ? null : hint.textContent,
          shadows: { left: getComputedStyle(shadows, '::before').opacity, right: getComputedStyle(shadows, '::after').opacity },
        };
      }, tableId),
    scrollTo: (left: number | 'end') =>
      page.evaluate(([id, to]) => {
        const box = document.getElementById(id as string)!.closest<HTMLElement>('.table-scroll')!;
        box.scrollLeft = to === 'end' ? box.scrollWidth : (to as number);
      }, [tableId, left] as const),
  };
}
