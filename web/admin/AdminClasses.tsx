import { useEffect, useState } from "preact/hooks";
import type { ClassDetail } from "../../protocol/api.ts";
import { JoinLink } from "../components/CopyButton.tsx";
import { Notice } from "../components/Notice.tsx";
import { api, errorMessage } from "../lib/api.ts";
import { formatStart } from "../lib/format.ts";

/** Every class (GET /api/classes returns all of them to admins), with join links. */
export function AdminClasses() {
  const [classes, setClasses] = useState<ClassDetail[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<{ classes: ClassDetail[] }>("GET", "/classes").then(
      (res) => setClasses(res.classes),
      (err) => setError(errorMessage(err)),
    );
  }, []);
  return (
    <section aria-labelledby="classes-title" data-testid="admin-classes">
      <h2 id="classes-title" class="visually-hidden">
        Classes
      </h2>
      {error ? <Notice>{error}</Notice> : null}
      {classes === null && !error ? <p class="muted">Loading classes…</p> : null}
      {classes && classes.length === 0 ? <p class="muted">No classes yet.</p> : null}
      {classes && classes.length > 0 ? (
        <ul class="class-list">
          {classes.map((cls) => (
            <li
              key={cls.id}
              class="card class-card"
              data-testid="class-card"
              data-class-id={cls.id}
            >
              <div class="class-card-head">
                <div>
                  <h3 class="class-card-title">{cls.title}</h3>
                  <p class="class-meta">
                    {cls.teacherName} · {formatStart(cls.scheduledStart)}
                  </p>
                </div>
                <div class="class-card-actions">
                  <a class="btn btn-secondary btn-small" href={`/studio/${cls.id}`}>
                    Open studio
                  </a>
                </div>
              </div>
              <JoinLink url={cls.joinUrl} />
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
