class ReminderJob
  include Sidekiq::Job

  def perform(booking_id)
    Booking.find(booking_id).remind!
  end
end
