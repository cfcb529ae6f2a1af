import { AppHeader } from "../components/AppHeader.tsx";

/** The front page for people who are not signed in. */
export function Landing() {
  return (
    <>
      <AppHeader>
        <a class="btn btn-quiet" href="/signin">
          Sign in
        </a>
      </AppHeader>
      <main id="main" class="landing">
        <section class="hero">
          <h1>One teacher. A whole stadium of students.</h1>
          <p class="lead">
            Mass Class streams your lesson to everyone through YouTube, while chat, questions and
            polls stay in step with what each student sees.
          </p>
          <div class="actions">
            <a class="btn btn-primary" href="/signup">
              Create an account
            </a>
            <a class="btn btn-secondary" href="/signin">
              Sign in
            </a>
          </div>
          <p class="muted">Joining a class? Open the link your teacher shared.</p>
        </section>
      </main>
    </>
  );
}
