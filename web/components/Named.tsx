/**
 * Something the server stores as an id, shown by its name: a person (an account, or a
 * `g_…` guest shown as "Name (guest)"), a class, a section. The raw id stays one hover
 * (title) or one click (Copy id) away, for support and for the audit filters.
 */
import { isGuestId } from "../admin/names.ts";
import "./named.css";
import { t } from "../i18n/common.ts";
import { CopyButton } from "./CopyButton.tsx";
import { isolate, UserText } from "./UserText.tsx";

export function Named(props: {
  /** The id as stored. */
  id: string;
  /** Its name, or null when the server knows none (a deleted account, a guest never seen). */
  name: string | null | undefined;
  /** What the id names when `name` is null (guests say so themselves). */
  kind?: "user" | "class" | "section";
  /** Leave out the Copy id button (dense lists). */
  noCopy?: boolean;
  testId?: string;
}) {
  const guest = isGuestId(props.id);
  const name = props.name?.trim() ? props.name : null;
  const fallback = guest
    ? t("common.named.unknownGuest")
    : t(`common.named.unknown.${props.kind ?? "user"}`);
  const label = name ?? fallback;
  const shown = guest && name ? t("common.named.guest", { name: isolate(name) }) : isolate(label);
  return (
    <span class="named" data-testid={props.testId} data-id={props.id}>
      <span class="named-text" title={t("common.named.idTitle", { name: shown, id: props.id })}>
        {name ? (
          <UserText text={name} class="user-text-clip" />
        ) : (
          <span class="muted">{fallback}</span>
        )}
        {guest && name ? (
          <span class="muted named-guest"> {t("common.named.guestSuffix")}</span>
        ) : null}
      </span>
      {props.noCopy ? null : (
        <CopyButton
          text={props.id}
          label={t("common.named.copyId")}
          ariaLabel={t("common.named.copyIdOf", { name: isolate(label) })}
          class="btn btn-tiny btn-quiet named-copy"
          testId="copy-id"
        />
      )}
    </span>
  );
}
