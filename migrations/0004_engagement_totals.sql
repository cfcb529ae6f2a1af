CREATE TABLE `engagement_totals` (
	`session_id` text NOT NULL,
	`user_id` text NOT NULL,
	`chat` integer DEFAULT 0 NOT NULL,
	`questions` integer DEFAULT 0 NOT NULL,
	`upvotes` integer DEFAULT 0 NOT NULL,
	`poll_answers` integer DEFAULT 0 NOT NULL,
	`quiz_answers` integer DEFAULT 0 NOT NULL,
	`hand_raises` integer DEFAULT 0 NOT NULL,
	`hand_acks` integer DEFAULT 0 NOT NULL,
	`total` integer DEFAULT 0 NOT NULL,
	`quizzes_answered` integer DEFAULT 0 NOT NULL,
	`quiz_score` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`session_id`, `user_id`)
);
--> statement-breakpoint
CREATE INDEX `engagement_totals_active_idx` ON `engagement_totals` (`session_id`,`total`,`user_id`);--> statement-breakpoint
CREATE INDEX `engagement_totals_quiz_idx` ON `engagement_totals` (`session_id`,`quiz_score`,`quizzes_answered`);--> statement-breakpoint
DROP INDEX `engagement_session_at_idx`;--> statement-breakpoint
CREATE INDEX `engagement_session_minute_idx` ON `engagement_events` (`session_id`,("at" / 60000),`kind`);
--> statement-breakpoint
-- Triggers keep engagement_totals in step with engagement_events and quiz poll_answers (see schema.ts).
CREATE TRIGGER `engagement_totals_event_insert` AFTER INSERT ON `engagement_events` BEGIN
  INSERT INTO `engagement_totals` (`session_id`, `user_id`, chat, questions, upvotes, poll_answers, quiz_answers, hand_raises, hand_acks, `total`)
  VALUES (new.`session_id`, new.`user_id`, (new.kind = 'chat'), (new.kind = 'question'), (new.kind = 'upvote'), (new.kind = 'poll_answer'), (new.kind = 'quiz_answer'), (new.kind = 'hand_raise'), (new.kind = 'hand_ack'), 1)
  ON CONFLICT (`session_id`, `user_id`) DO UPDATE SET `chat` = `chat` + excluded.`chat`, `questions` = `questions` + excluded.`questions`, `upvotes` = `upvotes` + excluded.`upvotes`, `poll_answers` = `poll_answers` + excluded.`poll_answers`, `quiz_answers` = `quiz_answers` + excluded.`quiz_answers`, `hand_raises` = `hand_raises` + excluded.`hand_raises`, `hand_acks` = `hand_acks` + excluded.`hand_acks`, `total` = `total` + 1;
END;--> statement-breakpoint
CREATE TRIGGER `engagement_totals_event_delete` AFTER DELETE ON `engagement_events` BEGIN
  UPDATE `engagement_totals` SET `chat` = `chat` - (old.kind = 'chat'), `questions` = `questions` - (old.kind = 'question'), `upvotes` = `upvotes` - (old.kind = 'upvote'), `poll_answers` = `poll_answers` - (old.kind = 'poll_answer'), `quiz_answers` = `quiz_answers` - (old.kind = 'quiz_answer'), `hand_raises` = `hand_raises` - (old.kind = 'hand_raise'), `hand_acks` = `hand_acks` - (old.kind = 'hand_ack'), `total` = `total` - 1
  WHERE `session_id` = old.`session_id` AND `user_id` = old.`user_id`;
END;--> statement-breakpoint
CREATE TRIGGER `engagement_totals_quiz_insert` AFTER INSERT ON `poll_answers` BEGIN
  INSERT INTO `engagement_totals` (`session_id`, `user_id`, `quizzes_answered`, `quiz_score`)
  SELECT p.`session_id`, new.`user_id`, 1, coalesce(new.`score`, 0) FROM `polls` p WHERE p.`id` = new.`poll_id` AND p.`kind` = 'quiz'
  ON CONFLICT (`session_id`, `user_id`) DO UPDATE SET `quizzes_answered` = `quizzes_answered` + 1,
    `quiz_score` = `quiz_score` + excluded.`quiz_score`;
END;--> statement-breakpoint
CREATE TRIGGER `engagement_totals_quiz_update` AFTER UPDATE OF `score` ON `poll_answers` BEGIN
  UPDATE `engagement_totals` SET `quiz_score` = `quiz_score` + coalesce(new.`score`, 0) - coalesce(old.`score`, 0)
  WHERE `user_id` = new.`user_id` AND `session_id` = (SELECT p.`session_id` FROM `polls` p WHERE p.`id` = new.`poll_id` AND p.`kind` = 'quiz');
END;--> statement-breakpoint
CREATE TRIGGER `engagement_totals_quiz_delete` AFTER DELETE ON `poll_answers` BEGIN
  UPDATE `engagement_totals` SET `quizzes_answered` = `quizzes_answered` - 1, `quiz_score` = `quiz_score` - coalesce(old.`score`, 0)
  WHERE `user_id` = old.`user_id` AND `session_id` = (SELECT p.`session_id` FROM `polls` p WHERE p.`id` = old.`poll_id` AND p.`kind` = 'quiz');
END;--> statement-breakpoint
-- Backfill from rows written before this migration.
INSERT INTO `engagement_totals` (`session_id`, `user_id`, chat, questions, upvotes, poll_answers, quiz_answers, hand_raises, hand_acks, `total`)
  SELECT `session_id`, `user_id`, sum(kind = 'chat'), sum(kind = 'question'), sum(kind = 'upvote'), sum(kind = 'poll_answer'), sum(kind = 'quiz_answer'), sum(kind = 'hand_raise'), sum(kind = 'hand_ack'), count(*)
  FROM `engagement_events` WHERE true GROUP BY `session_id`, `user_id`
  ON CONFLICT (`session_id`, `user_id`) DO NOTHING;--> statement-breakpoint
INSERT INTO `engagement_totals` (`session_id`, `user_id`, `quizzes_answered`, `quiz_score`)
  SELECT p.`session_id`, a.`user_id`, count(*), sum(coalesce(a.`score`, 0)) FROM `poll_answers` a
  JOIN `polls` p ON p.`id` = a.`poll_id` WHERE p.`kind` = 'quiz' GROUP BY p.`session_id`, a.`user_id`
  ON CONFLICT (`session_id`, `user_id`) DO UPDATE SET `quizzes_answered` = excluded.`quizzes_answered`,
    `quiz_score` = excluded.`quiz_score`;
