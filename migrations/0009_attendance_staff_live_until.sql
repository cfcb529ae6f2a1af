DROP INDEX `attendance_session_join_idx`;--> statement-breakpoint
DROP INDEX `attendance_session_seconds_idx`;--> statement-breakpoint
DROP INDEX `attendance_session_name_idx`;--> statement-breakpoint
ALTER TABLE `attendance` ADD `staff` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `attendance_session_staff_join_idx` ON `attendance` (`session_id`,`staff`,`first_join_at`,`seconds_attended`);--> statement-breakpoint
CREATE INDEX `attendance_session_staff_seconds_idx` ON `attendance` (`session_id`,`staff`,`seconds_attended`);--> statement-breakpoint
CREATE INDEX `attendance_session_staff_name_idx` ON `attendance` (`session_id`,`staff`,`display_name`);--> statement-breakpoint
ALTER TABLE `classes` ADD `live_until` integer;--> statement-breakpoint
-- Rows written before staff were recorded apart: the class's teacher, its moderators and admins are staff.
UPDATE `attendance` SET `staff` = 1 WHERE EXISTS (
  SELECT 1 FROM `class_sessions` s JOIN `classes` c ON c.`id` = s.`class_id`
  WHERE s.`id` = `attendance`.`session_id` AND (
    c.`teacher_id` = `attendance`.`user_id`
    OR EXISTS (SELECT 1 FROM `class_moderators` m WHERE m.`class_id` = c.`id` AND m.`user_id` = `attendance`.`user_id`)
    OR EXISTS (SELECT 1 FROM `users` u WHERE u.`id` = `attendance`.`user_id` AND u.`role` = 'admin')));
