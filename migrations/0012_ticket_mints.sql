CREATE TABLE `ticket_mints` (
	`user_id` text NOT NULL,
	`class_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `class_id`)
);
