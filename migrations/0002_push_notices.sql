CREATE TABLE `push_notices` (
	`class_id` text NOT NULL,
	`kind` text NOT NULL,
	`ref` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`class_id`, `kind`, `ref`)
);
--> statement-breakpoint
CREATE INDEX `push_notices_class_at_idx` ON `push_notices` (`class_id`,`kind`,`at`);