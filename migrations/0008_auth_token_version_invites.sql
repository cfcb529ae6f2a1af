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
ALTER TABLE `users` ADD `token_version` integer DEFAULT 0 NOT NULL;