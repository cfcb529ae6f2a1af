CREATE TABLE `moderator_invites` (
	`class_id` text NOT NULL,
	`email` text NOT NULL,
	`invited_by` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`class_id`, `email`),
	FOREIGN KEY (`class_id`) REFERENCES `classes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `moderator_invites_email_idx` ON `moderator_invites` (`email`);--> statement-breakpoint
CREATE TABLE `teacher_invites` (
	`id` text PRIMARY KEY NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_by` text,
	`used_at` integer
);
--> statement-breakpoint
ALTER TABLE `users` ADD `token_version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Grants made before invitations existed become invitations too (the teacher's list).
INSERT OR IGNORE INTO `moderator_invites` (`class_id`, `email`, `invited_by`, `at`) SELECT `cm`.`class_id`, `u`.`email`, `c`.`teacher_id`, 0 FROM `class_moderators` `cm` JOIN `users` `u` ON `u`.`id` = `cm`.`user_id` JOIN `classes` `c` ON `c`.`id` = `cm`.`class_id`;
