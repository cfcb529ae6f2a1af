import type { ClassPublic } from "../../protocol/api.ts";
import { UserText } from "../components/UserText.tsx";
import { rich, t } from "../i18n/student.ts";
import { formatStart } from "../lib/format.ts";

/** Title, teacher, start time (viewer's local time) and description of a class. */
export function ClassInfo(props: { cls: ClassPublic; headingLevel?: 1 | 2 }) {
  const { cls } = props;
  const H = props.headingLevel === 2 ? "h2" : "h1";
  return (
    <section class="class-info" aria-label={t("student.about")}>
      <H class="class-title" data-testid="class-title">
        <UserText text={cls.title} />
      </H>
      <p class="class-meta">
        <span data-testid="class-teacher">
          {rich("student.with", { name: <UserText text={cls.teacherName} /> })}
        </span>
        <span aria-hidden="true"> · </span>
        <time dateTime={cls.scheduledStart ?? undefined} data-testid="class-start">
          {formatStart(cls.scheduledStart)}
        </time>
      </p>
      {cls.description ? (
        <p class="class-description">
          <UserText text={cls.description} />
        </p>
      ) : null}
    </section>
  );
}
