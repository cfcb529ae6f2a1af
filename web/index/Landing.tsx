import { AppHeader } from "../components/AppHeader.tsx";
import { t } from "../i18n/student.ts";

/** The front page for people who are not signed in. */
export function Landing() {
  return (
    <>
      <AppHeader>
        <a class="btn btn-quiet" href="/signin">
          {t("student.join.signIn")}
        </a>
      </AppHeader>
      <main id="main" class="landing">
        <section class="hero">
          <h1>{t("student.landing.hero")}</h1>
          <p class="lead">{t("student.landing.lead")}</p>
          <div class="actions">
            <a class="btn btn-primary" href="/signup">
              {t("student.join.signUp")}
            </a>
            <a class="btn btn-secondary" href="/signin">
              {t("student.join.signIn")}
            </a>
          </div>
          <p class="muted">{t("student.landing.joining")}</p>
        </section>
      </main>
    </>
  );
}
