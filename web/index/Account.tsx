import { useState } from "preact/hooks";
import type { SessionUser } from "../../protocol/api.ts";
import { AppHeader } from "../components/AppHeader.tsx";
import { Field } from "../components/Field.tsx";
import { UserText } from "../components/UserText.tsx";

const ROLE_LABEL: Record<SessionUser["role"], string> = {
  admin: "Administrator",
  teacher: "Teacher",
  student: "Student",
  guest: "Guest",
};

/** "Your account": where a signed-in student lands without a class to go to. */
export function Account(props: { user: SessionUser }) {
  const { user } = props;
  const [link, setLink] = useState("");
  const [error, setError] = useState<string | null>(null);
  const open = (e: Event) => {
    e.preventDefault();
    const id = classIdFrom(link);
    if (!id) {
      setError("Paste the whole join link (it looks like …/c/abc123) or just the class code.");
      return;
    }
    location.assign(`/c/${id}`);
  };
  const staff = user.role === "teacher" || user.role === "admin";
  return (
    <>
      <AppHeader user={user} />
      <main id="main" class="narrow" data-testid="account-page">
        <h1>Your account</h1>
        <div class="card">
          <dl class="facts">
            <dt>Name</dt>
            <dd>
              <UserText text={user.displayName} />
            </dd>
            {user.email ? (
              <>
                <dt>Email</dt>
                <dd>{user.email}</dd>
              </>
            ) : null}
            <dt>Role</dt>
            <dd>{ROLE_LABEL[user.role]}</dd>
          </dl>
          {staff ? (
            <div class="actions">
              <a class="btn btn-primary" href="/studio">
                Go to the studio
              </a>
              {user.role === "admin" ? (
                <a class="btn btn-secondary" href="/admin">
                  Admin
                </a>
              ) : null}
            </div>
          ) : null}
        </div>
        {staff ? null : (
          <form class="card" onSubmit={open} noValidate data-testid="open-class-form">
            <h2>Join a class</h2>
            <Field id="class-link" label="Join link or class code" error={error}>
              {(a11y) => (
                <input
                  {...a11y}
                  type="text"
                  autocomplete="off"
                  value={link}
                  onInput={(e) => setLink(e.currentTarget.value)}
                  placeholder="https://…/c/abc123"
                />
              )}
            </Field>
            <button type="submit" class="btn btn-primary">
              Open class
            </button>
          </form>
        )}
      </main>
    </>
  );
}

/** The class id from a pasted join link or a bare code, or null. */
function classIdFrom(input: string): string | null {
  const s = input.trim();
  const m =
    /\/c\/([A-Za-z0-9_-]{1,32})\/?(?:[?#].*)?$/.exec(s) ?? /^([A-Za-z0-9_-]{1,32})$/.exec(s);
  return m ? m[1]! : null;
}
