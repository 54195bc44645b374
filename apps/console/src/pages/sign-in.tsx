import { isEventlyError } from '@evently/sdk';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { evently } from '../api.js';
import { ErrorNote, Field, InputField } from '../components/ui.js';
import { useSession } from '../session.js';

/**
 * Sign in; an account whose email is not verified yet enters the code mailed to it here (and
 * may ask for another), then is signed in.
 */
export function SignInPage() {
  const session = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from ?? '/';
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [needsCode, setNeedsCode] = useState(false);

  const signIn = useMutation({
    mutationFn: async () => {
      if (needsCode) await evently.auth.verifyEmail.mutate({ email, code });
      await session.signIn(email, password);
    },
    onSuccess: () => navigate(from, { replace: true }),
    onError: (error) => {
      if (isEventlyError(error) && error.appCode === 'EMAIL_NOT_VERIFIED') setNeedsCode(true);
    },
  });
  const resend = useMutation({
    mutationFn: () => evently.auth.resendVerification.mutate({ email }),
  });

  if (session.user) return <Navigate to={from} replace />;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate();
  };
  return (
    <main className="signin" id="main">
      <h1>Sign in to the Evently console</h1>
      <form onSubmit={submit} aria-describedby="signin-error">
        <Field label="Email">
          {({ id }) => (
            <input
              id={id}
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          )}
        </Field>
        <Field label="Password">
          {({ id }) => (
            <input
              id={id}
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        {needsCode && (
          <>
            <InputField
              label="Verification code"
              hint="The 6 digits we mailed to you."
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="\d{6}"
              required
              value={code}
              onChange={(e) => setCode(e.target.value.trim())}
            />
            <button
              type="button"
              className="link"
              onClick={() => resend.mutate()}
              disabled={resend.isPending}
            >
              {resend.isSuccess ? 'A new code is on its way' : 'Send me a new code'}
            </button>
          </>
        )}
        <div id="signin-error">
          <ErrorNote error={needsCode && isNotVerified(signIn.error) ? null : signIn.error} />
        </div>
        <button type="submit" className="primary" disabled={signIn.isPending}>
          {signIn.isPending ? 'Signing in…' : needsCode ? 'Verify and sign in' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

const isNotVerified = (error: unknown) =>
  isEventlyError(error) && error.appCode === 'EMAIL_NOT_VERIFIED';
