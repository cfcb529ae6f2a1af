import { AppHeader } from "../components/AppHeader.tsx";
import { t } from "../i18n/start.ts";

/** The front page for people who are not signed in. */
export function Landing() {
  return (
    <>
      <AppHeader>
        <a class="btn btn-quiet" href="/signin">
          {t("start.signIn")}
        </a>
      </AppHeader>
      <main id="main" class="landing">
        <section class="hero">
          <h1>{t("start.landing.hero")}</h1>
          <p class="lead">{t("start.landing.lead")}</p>
          <div class="actions">
            <a class="btn btn-primary" href="/signup">
              {t("start.signUp")}
            </a>
            <a class="btn btn-secondary" href="/signin">
              {t("start.signIn")}
            </a>
          </div>
          <p class="muted">{t("start.landing.joining")}</p>
        </section>
      </main>
    </>
  );
}
