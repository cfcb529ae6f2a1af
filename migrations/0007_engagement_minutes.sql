CREATE TABLE `engagement_minutes` (
	`session_id` text NOT NULL,
	`minute` integer NOT NULL,
	`kind` text NOT NULL,
	`n` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`session_id`, `minute`, `kind`)
);
--> statement-breakpoint
DROP INDEX `engagement_session_minute_value_idx`;--> statement-breakpoint
-- Triggers keep engagement_minutes in step with engagement_events; a chat row counts `value` messages.
CREATE TRIGGER `engagement_minutes_event_insert` AFTER INSERT ON `engagement_events` BEGIN
  INSERT INTO `engagement_minutes` (`session_id`, `minute`, `kind`, `n`)
  VALUES (new.`session_id`, (new.`at` / 60000) * 60000, new.`kind`,
    CASE WHEN new.`kind` = 'chat' THEN coalesce(new.`value`, 1) ELSE 1 END)
  ON CONFLICT (`session_id`, `minute`, `kind`) DO UPDATE SET `n` = `n` + excluded.`n`;
END;--> statement-breakpoint
CREATE TRIGGER `engagement_minutes_event_delete` AFTER DELETE ON `engagement_events` BEGIN
  UPDATE `engagement_minutes` SET `n` = `n` - (CASE WHEN old.`kind` = 'chat' THEN coalesce(old.`value`, 1) ELSE 1 END)
  WHERE `session_id` = old.`session_id` AND `minute` = (old.`at` / 60000) * 60000 AND `kind` = old.`kind`;
END;--> statement-breakpoint
-- Backfill from rows written before this migration.
INSERT INTO `engagement_minutes` (`session_id`, `minute`, `kind`, `n`)
  SELECT `session_id`, (`at` / 60000) * 60000, `kind`, sum(CASE WHEN `kind` = 'chat' THEN coalesce(`value`, 1) ELSE 1 END)
  FROM `engagement_events` WHERE true GROUP BY 1, 2, 3
  ON CONFLICT (`session_id`, `minute`, `kind`) DO UPDATE SET `n` = excluded.`n`;
