ALTER TABLE `push_subscriptions` ADD `client_key` text;--> statement-breakpoint
CREATE INDEX `push_class_client_idx` ON `push_subscriptions` (`class_id`,`client_key`);--> statement-breakpoint
ALTER TABLE `slide_decks` ADD `bytes` integer DEFAULT 0 NOT NULL;