/** Pages of staff accounts' own doors (SPEC §15): password reset and the account page. */
import { CsrfField, ErrorSummary, type FormErrors, type FormValues, TextField, formTitle } from './components.js';
import { type Flash, Layout, type Viewer } from './layout.js';

interface Form {
  csrf: string;
  values: FormValues;
  errors: FormErrors;
  flash?: Flash | null;
}

/** Asks for the account's address. */
export function ResetRequestPage({ csrf, values, errors, flash = null }: Form) {
  return (
    <Layout title={formTitle('Reset your password', errors, 'address')} flash={flash}>
      <article class="narrow">
        <header>
          <h1>Reset your password</h1>
          <p>Type the email address of your staff account. We send a link to choose a new password; it works once, for 30 minutes.</p>
        </header>
        <ErrorSummary errors={errors} />
        <form method="post" action="/agents/password/reset/" novalidate>
          <CsrfField token={csrf} />
          <TextField name="email" label="Email" type="email" values={values} errors={errors} required maxLength={254} autocomplete="email" />
          <button type="submit">Send the link</button>
        </form>
        <p>
          <a href="/agents/login/">Back to the login</a>
        </p>
      </article>
    </Layout>
  );
}

/** The same answer whether or not an account has the address. */
export function ResetSentPage() {
  return (
    <Layout title="Check your email">
      <article class="narrow" id="reset-sent">
        <h1>Check your email</h1>
        <p>If a staff account has this address, we have sent it a link to choose a new password. The link works once, for 30 minutes.</p>
        <p>Nothing arrived after a few minutes? Check your spam folder, or ask an admin to set a new password for you.</p>
        <p>
          <a href="/agents/login/">Back to the login</a>
        </p>
      </article>
    </Layout>
  );
}

/** The reset link's page: a new password, twice. */
export function NewPasswordPage({ csrf, errors, action }: Omit<Form, 'values'> & { action: string }) {
  return (
    <Layout title={formTitle('Choose a new password', errors, 'new password')}>
      <article class="narrow">
        <header>
          <h1>Choose a new password</h1>
          <p>At least 8 characters. Setting it logs your account out everywhere; then log in with it.</p>
        </header>
        <ErrorSummary errors={errors} />
        <form method="post" action={action} novalidate>
          <CsrfField token={csrf} />
          <TextField name="password" label="New password" type="password" values={{}} errors={errors} required autocomplete="new-password" />
          <TextField name="password_confirm" label="New password again" type="password" values={{}} errors={errors} required autocomplete="new-password" />
          <button type="submit">Set the new password</button>
        </form>
      </article>
    </Layout>
  );
}

/** A reset link that does not work: why, and the way to a new one. Nothing was changed. */
export function ResetLinkRefusedPage({ message }: { message: string }) {
  return (
    <Layout title="Reset link not valid">
      <article class="narrow" id="reset-refused">
        <h1>This link does not work</h1>
        <p role="alert">{message}</p>
        <p>Nothing was changed.</p>
        <p>
          <a href="/agents/password/reset/">Ask for a new link</a> · <a href="/agents/login/">Staff login</a>
        </p>
      </article>
    </Layout>
  );
}

/** One's own account: display name, email, password. */
export function AccountPage({ viewer, csrf, values, errors, flash = null }: Form & { viewer: Viewer }) {
  return (
    <Layout title={formTitle('My account', errors, 'changes')} viewer={viewer} csrf={csrf} flash={flash}>
      <hgroup>
        <h1>My account</h1>
        <p>
          Signed in as <strong>{viewer.username}</strong>. A new email address or a new password needs your current password.
        </p>
      </hgroup>
      <ErrorSummary errors={errors} />
      <form method="post" action="/agents/account/" novalidate>
        <CsrfField token={csrf} />
        <div class="grid">
          <TextField name="display_name" label="Display name" values={values} errors={errors} maxLength={100} hint="Shown to customers. Blank: your username." />
          <TextField name="email" label="Email" type="email" values={values} errors={errors} maxLength={254} autocomplete="email" hint="Where reset links and SLA alerts go." />
        </div>
        <fieldset>
          <legend>Change password (optional)</legend>
          <div class="grid">
            <TextField name="password" label="New password" type="password" values={{}} errors={errors} autocomplete="new-password" hint="At least 8 characters. Leave empty to keep yours." />
            <TextField name="password_confirm" label="New password again" type="password" values={{}} errors={errors} autocomplete="new-password" />
          </div>
        </fieldset>
        <TextField name="current_password" label="Current password" type="password" values={{}} errors={errors} autocomplete="current-password" />
        <button type="submit">Save</button>
      </form>
      <p>
        <a href="/agents/account/two-factor/" id="two-factor-link">
          Two-factor sign-in
        </a>
      </p>
    </Layout>
  );
}

/** A code field: six digits from the app, or a recovery code. */
function CodeForm(props: { csrf: string; action: string; errors: FormErrors; label: string; button: string; next?: string | undefined; enrolment?: string; currentPassword?: boolean }) {
  const { csrf, action, errors, label, button, next, enrolment, currentPassword = false } = props;
  return (
    <form method="post" action={action} novalidate>
      <CsrfField token={csrf} />
      {next !== undefined && <input type="hidden" name="next" value={next} />}
      {enrolment !== undefined && <input type="hidden" name="enrolment" value={enrolment} />}
      {/* Before the code, which changes every 30 seconds: typed last. */}
      {currentPassword && <TextField name="current_password" label="Current password" type="password" values={{}} errors={errors} required autocomplete="current-password" />}
      <TextField name="code" label={label} values={{}} errors={errors} required maxLength={40} autocomplete="one-time-code" />
      <button type="submit">{button}</button>
    </form>
  );
}

/** The second step of a login: a code from the app, or a recovery code. */
export function SecondStepPage({ csrf, errors, next }: { csrf: string; errors: FormErrors; next: string }) {
  return (
    <Layout title={errors.code ? 'Wrong code' : 'Two-factor sign-in'}>
      <article class="narrow">
        <header>
          <h1>Two-factor sign-in</h1>
          <p>Type the 6-digit code your authenticator app shows for Helpdesk. Lost your phone? Type one of your recovery codes instead.</p>
        </header>
        <ErrorSummary errors={errors} />
        <CodeForm csrf={csrf} action="/agents/login/two-factor/" errors={errors} label="Code" button="Sign in" next={next} />
      </article>
    </Layout>
  );
}

/** Setting up an authenticator app: the QR code (drawn by the server), the secret as text, a first code. */
export interface EnrolProps {
  csrf: string;
  errors: FormErrors;
  secret: string;
  qrSvg: string;
  /** The secret, signed for this account: the form carries it until a code confirms it. */
  enrolment: string;
  action: string;
  viewer?: Viewer | null;
  forced?: boolean;
  next?: string | undefined;
  flash?: Flash | null;
}

export function EnrolPage({ csrf, errors, secret, qrSvg, enrolment, action, viewer = null, forced = false, next, flash = null }: EnrolProps) {
  return (
    <Layout title="Set up two-factor sign-in" viewer={viewer} csrf={viewer ? csrf : undefined} flash={flash}>
      <article class="narrow">
        <header>
          <h1>Set up two-factor sign-in</h1>
          {forced && <p>Two-factor sign-in is required for all staff here. Set it up to finish logging in.</p>}
          <p>Scan this code with an authenticator app (any app that supports TOTP), then type the 6-digit code it shows.</p>
        </header>
        <ErrorSummary errors={errors} />
        {/* The SVG comes from the qrcode library, from our own otpauth:// URI: no outside service. */}
        <figure id="totp-qr" dangerouslySetInnerHTML={{ __html: qrSvg }} />
        <p>
          Cannot scan? Enter this key by hand: <code id="totp-secret">{secret}</code>
        </p>
        <CodeForm
          csrf={csrf}
          action={action}
          errors={errors}
          label="Code from the app"
          button="Turn on two-factor sign-in"
          next={next}
          enrolment={enrolment}
          currentPassword={viewer !== null && !forced}
        />
        {/* From the account page, a way back that turns nothing on (a login that requires it has none: it must be set up). */}
        {viewer && !forced && (
          <p>
            <a href="/agents/account/" id="two-factor-cancel">
              Cancel: back to my account
            </a>
          </p>
        )}
      </article>
    </Layout>
  );
}

/** The recovery codes, shown once: at enrolment, or made anew (`renewed`: the earlier ones stopped working). */
export function RecoveryCodesPage({ codes, continueTo, viewer = null, csrf, renewed = false }: { codes: readonly string[]; continueTo: string; viewer?: Viewer | null; csrf?: string; renewed?: boolean }) {
  return (
    <Layout title="Your recovery codes" viewer={viewer} csrf={csrf}>
      <article class="narrow">
        <h1>{renewed ? 'Your new recovery codes' : 'Two-factor sign-in is on'}</h1>
        {renewed && <p>Your earlier recovery codes no longer work.</p>}
        <p>Keep these recovery codes somewhere safe. Each works once, instead of a code from your phone. They are shown only now.</p>
        <ul id="recovery-codes">
          {codes.map((code) => (
            <li>
              <code>{code}</code>
            </li>
          ))}
        </ul>
        <p>
          <a href={continueTo} role="button">
            I have saved them: continue
          </a>
        </p>
      </article>
    </Layout>
  );
}

/**
 * One's own second factor when it is on: codes left, new codes, and turning it off (unless
 * required). Both actions ask for the current password, so one field serves both buttons.
 */
export function TwoFactorStatusPage({ viewer, csrf, flash = null, errors, codesLeft, required }: { viewer: Viewer; csrf: string; flash?: Flash | null; errors: FormErrors; codesLeft: number; required: boolean }) {
  return (
    <Layout title="Two-factor sign-in" viewer={viewer} csrf={csrf} flash={flash}>
      <hgroup>
        <h1>Two-factor sign-in</h1>
        <p id="two-factor-state">On. {codesLeft} of 10 recovery codes left.</p>
      </hgroup>
      {required && <p>It is required for all staff here, so it cannot be turned off. Lost your phone? An admin can reset it.</p>}
      <form method="post" action="/agents/account/two-factor/codes/" novalidate>
        <ErrorSummary errors={errors} />
        <CsrfField token={csrf} />
        <TextField
          name="current_password"
          label="Current password"
          type="password"
          values={{}}
          errors={errors}
          required
          autocomplete="current-password"
          hint="New recovery codes replace all of yours, used or not."
        />
        <button type="submit">Make new recovery codes</button>{' '}
        {!required && (
          <button type="submit" class="secondary" formaction="/agents/account/two-factor/off/">
            Turn off two-factor sign-in
          </button>
        )}
      </form>
      <p>
        <a href="/agents/account/">Back to my account</a>
      </p>
    </Layout>
  );
}
