DROP INDEX `engagement_session_user_idx`;--> statement-breakpoint
DROP INDEX `engagement_session_at_idx`;--> statement-breakpoint
CREATE INDEX `engagement_session_user_idx` ON `engagement_events` (`session_id`,`user_id`,`kind`);--> statement-breakpoint
CREATE INDEX `engagement_session_at_idx` ON `engagement_events` (`session_id`,`at`,`kind`);--> statement-breakpoint
CREATE INDEX `attendance_session_join_idx` ON `attendance` (`session_id`,`first_join_at`,`seconds_attended`);--> statement-breakpoint
CREATE INDEX `attendance_session_seconds_idx` ON `attendance` (`session_id`,`seconds_attended`);--> statement-breakpoint
CREATE INDEX `attendance_session_name_idx` ON `attendance` (`session_id`,`display_name`);--> statement-breakpoint
CREATE INDEX `audit_actor_at_idx` ON `audit_log` (`actor_id`,`at`);--> statement-breakpoint
CREATE INDEX `audit_action_at_idx` ON `audit_log` (`action`,`at`);--> statement-breakpoint
CREATE INDEX `poll_answers_poll_user_score_idx` ON `poll_answers` (`poll_id`,`user_id`,`score`);