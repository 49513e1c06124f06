// Compile-time proof that what the server sends (apiTypes.ts, generated from the
// Rust types) fits the shapes the web app reads (types.ts). `npm run
// typecheck` fails here when the server drops or retypes a field the web
// app relies on.
import type * as api from "./apiTypes";
import type * as web from "./types";
import type * as csv from "./campaignCsv";
import type * as client from "./api";
import type * as security from "./security";
import type * as teams from "./teams";
import type * as canned from "./cannedReplies";

type Fits<From extends To, To> = [From, To];

export type ApiFitsWeb = [
  Fits<api.MessageView, web.Message>,
  Fits<api.ConversationView, web.Conversation>,
  Fits<api.ContactView, web.Contact>,
  Fits<api.Note, web.Note>,
  Fits<api.UserView, web.User>,
  Fits<api.ChannelView, web.Channel>,
  Fits<api.KeyView, web.ApiKey>,
  Fits<api.Overview, web.Overview>,
  Fits<api.FlowView, web.Flow>,
  // Components are Meta's own shape, passed through as stored.
  Fits<Omit<api.Template, "components">, Omit<web.TemplateFull, "components">>,
  Fits<api.RunView, Pick<web.FlowExecution, "id" | "status">>,
  Fits<api.CsvAudienceReport, csv.CsvUploadReport>,
  Fits<api.SegmentView, client.SegmentView>,
  Fits<api.SegmentPreview, client.SegmentPreview>,
  Fits<api.SessionView, security.SessionInfo>,
  // The server types the assignment and scope as strings; the web reads the values it documents.
  Fits<Omit<api.TeamView, "assignment" | "members">, Omit<teams.Team, "assignment" | "members">>,
  Fits<api.TeamMember, teams.TeamMember>,
  Fits<Omit<api.CannedReply, "scope">, Omit<canned.CannedReply, "scope">>,
];
