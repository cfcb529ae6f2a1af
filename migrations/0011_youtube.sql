CREATE TABLE `youtube_accounts` (
	`user_id` text PRIMARY KEY NOT NULL,
	`refresh_token_cipher` text NOT NULL,
	`access_token_cipher` text,
	`access_expires_at` integer,
	`scope` text NOT NULL,
	`channel_id` text,
	`channel_title` text,
	`stream_id` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `classes` ADD `youtube_broadcast_id` text;