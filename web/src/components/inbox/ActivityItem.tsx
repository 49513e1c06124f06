import { useI18n } from "../../i18n/I18nProvider";
import { useInbox } from "../../inbox/InboxProvider";
import { activityText, type Activity } from "../../lib/activity";
import { formatClock } from "../../lib/format";
import type { Note } from "../../lib/types";

/** Something that happened in the conversation, as a small centred line in the thread ("Assigned to Priya by Ravi"). */
export function ActivityLine({ activity }: { activity: Activity }) {
  const { t, lang } = useI18n();
  const text = activityText(activity);
  if (!text) return null;
  const handoff = activity.kind === "handoff";
  return (
    <div className="my-2 flex justify-center" data-testid="activity" data-kind={activity.kind}>
      <div
        className={`max-w-[85%] rounded-lg px-3 py-1 text-center text-xs shadow-sm ${
          handoff ? "border border-amber-200 bg-amber-50 text-amber-900" : "bg-white/80 text-gray-600"
        }`}
      >
        {handoff && <span aria-hidden="true">🤖 </span>}
        {t(text.key, text.params)}
        <span className="ml-1.5 text-gray-400">{formatClock(activity.created_at, lang.locale)}</span>
      </div>
    </div>
  );
}

/** A private note in the thread: for the team, never sent to the customer. */
export function NoteItem({ note }: { note: Note }) {
  const { t, lang } = useI18n();
  const { users } = useInbox();
  const author = (note.author_id && users[note.author_id]?.name) || t("notes.someone");
  return (
    <div className="my-1 flex justify-end" data-testid="thread-note">
      <div className="max-w-[85%] rounded-lg border border-amber-200 bg-amber-50 px-3 py-1.5 text-[15px] text-gray-800 shadow-sm sm:max-w-[70%]">
        <div className="mb-0.5 flex items-center gap-1 text-xs font-medium text-amber-800">
          <span aria-hidden="true">🔒</span>
          {t("composer.noteBy", { name: author })}
        </div>
        <p className="whitespace-pre-wrap break-words">{note.body}</p>
        <div className="mt-0.5 text-right text-[11px] text-gray-500">
          <time dateTime={note.created_at}>{formatClock(note.created_at, lang.locale)}</time>
        </div>
      </div>
    </div>
  );
}
