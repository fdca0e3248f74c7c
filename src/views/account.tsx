/** Pages of staff accounts' own doors (SPEC §15): password reset and the account page. */
import { CsrfField, ErrorSummary, type FormErrors, type FormValues, TextField } from './components.js';
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
    <Layout title="Reset your password" flash={flash}>
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
    <Layout title="Choose a new password">
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
    <Layout title="My account" viewer={viewer} csrf={csrf} flash={flash}>
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
    </Layout>
  );
}
